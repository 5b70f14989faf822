"""What a systemd unit's sandbox allows, read from the unit, for running leadq under it offline.

``security_exposure`` is `systemd-analyze security --offline=true` (the number
the issue measures). ``filter_of`` turns the unit's SystemCallFilter=,
RestrictAddressFamilies= and RestrictNamespaces= into the JSON that
``seccomp_exec.py`` loads, expanding @groups with `systemd-analyze
syscall-filter` so the groups are the installed systemd's own.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from functools import cache
from pathlib import Path

import pytest

SECCOMP_EXEC = Path(__file__).with_name("seccomp_exec.py")
#: Debian's python3, where python3-seccomp (installed by scripts/test) lives.
DEBIAN_PYTHON = "/usr/bin/python3"


def unit_values(path: Path, key: str) -> list[str]:
    """Every value of ``key=`` in the unit, in order (systemd keys may repeat)."""
    return [line.split("=", 1)[1] for line in path.read_text().splitlines() if line.startswith(f"{key}=")]


def security_exposure(unit: Path) -> float:
    """The overall exposure `systemd-analyze security` gives the unit file (0 safest .. 10)."""
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    assert match, done.stdout + done.stderr
    return float(match.group(1))


@cache
def _syscall_groups() -> dict[str, list[str]]:
    listing = subprocess.run(
        ["systemd-analyze", "syscall-filter", "--no-pager"], capture_output=True, text=True, check=True
    ).stdout
    groups: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in listing.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif line.startswith("    ") and not line.strip().startswith("#") and current is not None:
            current.append(line.strip())
    return groups


def expand(names: list[str]) -> set[str]:
    calls: set[str] = set()
    for name in names:
        calls |= expand(_syscall_groups()[name]) if name.startswith("@") else {name}
    return calls


def filter_of(unit: Path) -> dict:
    """The unit's system-call sandbox as ``seccomp_exec.py`` takes it."""
    allowed = expand(["@default"])  # systemd always adds @default to an allow list
    for value in unit_values(unit, "SystemCallFilter"):
        if value.startswith("~"):
            allowed -= expand(value[1:].split())
        else:
            allowed |= expand(value.split())
    families = [
        int(getattr(socket, name))
        for value in unit_values(unit, "RestrictAddressFamilies")
        for name in value.split()
    ]
    return {
        "allow": sorted(allowed),
        "families": families,
        "restrict_namespaces": unit_values(unit, "RestrictNamespaces") == ["yes"],
    }


def sandboxed(filter_file: Path, *command: str) -> list[str]:
    """``command`` prefixed so it runs under the filter in ``filter_file``."""
    missing = None
    if shutil.which("systemd-analyze") is None:
        missing = "systemd-analyze (Debian's systemd)"
    elif subprocess.run([DEBIAN_PYTHON, "-c", "import seccomp"], capture_output=True).returncode != 0:
        missing = "python3-seccomp"
    if missing and os.environ.get("CI"):
        pytest.fail(f"{missing} is required under CI (scripts/test installs it)")
    if missing:
        pytest.skip(f"{missing} not installed (scripts/test installs it)")
    return [DEBIAN_PYTHON, str(SECCOMP_EXEC), str(filter_file), *command]


#: The system calls that create, change or remove a path.
WRITE_CALLS = (
    "open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,"
    "link,linkat,symlink,symlinkat,truncate"
)
#: ``call(AT_FDCWD, "path", ...) = result`` or ``call("path", ...) = result``; calls on
#: another directory fd are left out (their path cannot be known from the line).
_TRACED = re.compile(r'^(\w+)\((AT_FDCWD, )?"([^"]*)"(.*)\) += (-?\d+)')


def traced(trace_dir: Path, command: list[str]) -> list[str]:
    """``command`` under strace, one log per thread in ``trace_dir`` (no interleaved lines)."""
    if shutil.which("strace") is None:
        if os.environ.get("CI"):
            pytest.fail("strace is required under CI (scripts/test installs it)")
        pytest.skip("strace not installed (scripts/test installs it)")
    trace_dir.mkdir()
    return ["strace", "-ff", "-qq", "-o", str(trace_dir / "t"), "-e", f"trace={WRITE_CALLS}", *command]


def written_paths(trace_dir: Path, cwd: Path) -> set[str]:
    """Every path a successful call of the trace created, opened for writing or removed."""
    paths = set()
    for log in trace_dir.iterdir():
        for line in log.read_text(errors="replace").splitlines():
            match = _TRACED.match(line)
            if not match or match.group(5).startswith("-"):
                continue
            call, at_cwd, path, rest = match.group(1), match.group(2), match.group(3), match.group(4)
            if call in ("open", "openat") and not re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", rest):
                continue
            if call.endswith("at") and not at_cwd and not path.startswith("/"):
                continue
            paths.add(os.path.normpath(os.path.join(cwd, path)))
    return paths


def writes_outside(paths: set[str], writable: list[Path]) -> list[str]:
    """Paths the unit would refuse: ProtectSystem=strict leaves only ``writable``,
    /tmp and /var/tmp (PrivateTmp=), /dev and /proc writable, and /proc/sys
    read-only (ProtectKernelTunables=).

    Fontconfig's system cache is left out: Chromium's fontconfig refreshes a stale
    one when it may write there (the tests run as root); under the unit it cannot,
    and fontconfig keeps its cache under the unit's HOME (/var/lib/leadq) instead.
    """
    allowed = [str(p) for p in writable] + ["/tmp", "/var/tmp", "/dev", "/proc"]
    return sorted(
        path
        for path in paths
        if path.startswith("/proc/sys/")
        or not any(path == root or path.startswith(root.rstrip("/") + "/") for root in allowed)
        and not path.startswith(_FONTCONFIG_SYSTEM_CACHE)
    )


_FONTCONFIG_SYSTEM_CACHE = "/var/cache/fontconfig/"
