"""A throwaway root directory where `systemd-analyze --root` can verify leadq's units.

verify loads the units' dependencies (sysinit.target, ...) and checks that
ExecStart exists and is executable, all under the root: so the root gets a
copy of Debian's system units, of the real `leadq` entry point at the path
the units use, and of /bin/kill (ExecReload).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNITS = (
    "leadq-worker@.service",
    "leadq-scheduler.service",
    "leadq-unsubscribe.service",
    "leadq-inbox.service",
    "leadq.target",
)


def make_root(root: Path) -> Path:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed (scripts/test installs Debian's systemd)")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    bin_dir = root / "opt/leadq/venv/bin"
    bin_dir.mkdir(parents=True)
    shutil.copy2(Path(sys.executable).parent / "leadq", bin_dir / "leadq")
    (root / "bin").mkdir()
    shutil.copy2("/bin/kill", root / "bin/kill")  # the worker's ExecReload
    (root / "etc/leadq").mkdir(parents=True)
    (root / "etc/leadq/leadq.env").write_text("LEADQ_LOG_FORMAT=json\n")
    return root


def verify(root: Path, *units: str) -> subprocess.CompletedProcess:
    """systemd-analyze verify; unknown keys and bad values only warn, so output counts as failure."""
    return subprocess.run(
        ["systemd-analyze", f"--root={root}", "verify", *units],
        cwd=root / "etc/systemd/system",
        capture_output=True,
        text=True,
        timeout=60,
    )
