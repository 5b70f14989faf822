"""Fail when pyproject.toml and the lock (constraints.txt) disagree.

    python scripts/check_lock.py pyproject.toml constraints.txt [--installed]

Checks, for the running interpreter (the lock's environment markers are
evaluated like pip does):

- every dependency of pyproject.toml (the main list and every extra) is pinned
  in the lock, and the pin is inside pyproject's range;
- every pin is exact (``name==version``), one per package;
- with ``--installed``: every distribution installed here (the test venv after
  ``pip install -c``) is in the lock at the installed version, so a new
  transitive dependency that the lock misses is caught too.

Prints one line per disagreement and exits 1; the fix is ``scripts/lock``.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

try:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name
except ImportError:
    sys.exit("check-lock: this Python has no `packaging`; run it with the test venv's (.venv/bin/python)")

#: Installed but deliberately not pinned: the installer itself and leadq (the checkout).
UNPINNED = {"pip", "leadq"}


def read_lock(path: Path) -> tuple[dict[str, str], list[str]]:
    """Pins that apply to this interpreter: {name: version}, and malformed lines."""
    pins: dict[str, str] = {}
    problems = []
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            problems.append(f"{path}:{number}: not a requirement: {exc}")
            continue
        if req.marker is not None and not req.marker.evaluate():
            continue
        specs = list(req.specifier)
        if len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
            problems.append(f"{path}:{number}: {line!r} is not an exact pin (name==version)")
            continue
        name = canonicalize_name(req.name)
        if name in pins:
            problems.append(f"{path}:{number}: {req.name} is pinned twice")
        pins[name] = specs[0].version
    return pins, problems


def project_requirements(path: Path) -> list[tuple[str, Requirement]]:
    """(where, requirement) for the main dependencies and every extra's."""
    project = tomllib.loads(path.read_text())["project"]
    found = [("dependencies", Requirement(r)) for r in project.get("dependencies", [])]
    for extra, reqs in project.get("optional-dependencies", {}).items():
        found += [(f"extra {extra}", Requirement(r)) for r in reqs]
    return found


def disagreements(pyproject: Path, lock: Path, *, installed: bool) -> list[str]:
    pins, problems = read_lock(lock)
    for where, req in project_requirements(pyproject):
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        pinned = pins.get(canonicalize_name(req.name))
        if pinned is None:
            problems.append(f"{req.name} ({where}: {req}) is missing from {lock}")
        elif not req.specifier.contains(pinned, prereleases=True):
            problems.append(f"{req.name}=={pinned} in {lock} is outside pyproject's range {req} ({where})")
    if installed:
        for dist in metadata.distributions():
            name = canonicalize_name(dist.metadata["Name"])
            if name in UNPINNED:
                continue
            pinned = pins.get(name)
            if pinned is None:
                problems.append(f"{name} {dist.version} is installed but not in {lock}")
            elif pinned != dist.version:
                problems.append(f"{name} {dist.version} is installed but {lock} pins {pinned}")
    return problems


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--installed"]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    pyproject, lock = Path(args[0]), Path(args[1])
    if not lock.is_file():
        print(f"check-lock: {lock} not found; run scripts/lock", file=sys.stderr)
        return 1
    problems = disagreements(pyproject, lock, installed="--installed" in argv)
    for problem in problems:
        print(f"check-lock: {problem}", file=sys.stderr)
    if problems:
        print(
            f"check-lock: {pyproject} and {lock} disagree; run scripts/lock and commit both", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
