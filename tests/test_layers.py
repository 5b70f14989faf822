"""Imports point down only, with no loops: the import-linter contracts in pyproject.toml.

actors/ and cli/ ship as leadq.actors and leadq.cli, but in a checkout they sit
beside leadq/, where import-linter (which reads files, not the installed
mapping) cannot see them. So the check runs on a copy laid out as installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _installed_layout(into: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "leadq", into / "leadq", ignore=ignore)
    for package in ("actors", "cli"):
        shutil.copytree(ROOT / package, into / "leadq" / package, ignore=ignore)
    return into


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    # Run from the copy: import-linter puts the working directory first on the path.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_imports_point_down_only_and_never_loop(tmp_path):
    result = _lint_imports(_installed_layout(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(tmp_path):
    tree = _installed_layout(tmp_path)
    errors = tree / "leadq" / "errors.py"
    errors.write_text(errors.read_text() + "\nfrom leadq.ops import doctor  # noqa\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "leadq.errors is not allowed to import leadq.ops" in result.stdout
