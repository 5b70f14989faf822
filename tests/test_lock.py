"""constraints.txt (the lock) agrees with pyproject.toml; `scripts/lock --check` fails when it does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PYPROJECT = """
[project]
name = "demo"
version = "1"
dependencies = ["redis[hiredis]>=5,<9", "typer>=0.12,<0.30"]
[project.optional-dependencies]
postgres = ["psycopg[binary]>=3.1"]
"""
LOCK = "redis==8.1.0\nhiredis==3.5.0\ntyper==0.29.2\npsycopg==3.3.1\n"


def check(tmp_path: Path, pyproject: str, lock: str) -> subprocess.CompletedProcess:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "constraints.txt").write_text(lock)
    return subprocess.run(
        [sys.executable, str(REPO / "scripts/check_lock.py"), "pyproject.toml", "constraints.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_repositorys_lock_agrees_with_pyproject():
    done = subprocess.run(
        ["bash", str(REPO / "scripts/lock"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LEADQ_LOCK_PYTHON": sys.executable},
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_a_lock_that_covers_every_dependency_in_range_passes(tmp_path):
    assert check(tmp_path, PYPROJECT, LOCK).returncode == 0


def test_a_dependency_missing_from_the_lock_fails_naming_it(tmp_path):
    done = check(tmp_path, PYPROJECT + 'test = ["pytest>=8"]\n', LOCK)
    assert done.returncode == 1
    assert "pytest (extra test: pytest>=8) is missing from constraints.txt" in done.stderr
    assert "run scripts/lock and commit both" in done.stderr


def test_a_pin_outside_pyprojects_range_fails(tmp_path):
    done = check(tmp_path, PYPROJECT, LOCK.replace("redis==8.1.0", "redis==9.0.0"))
    assert done.returncode == 1
    assert "redis==9.0.0 in constraints.txt is outside pyproject's range redis[hiredis]<9,>=5" in done.stderr


def test_a_pin_that_is_not_exact_fails(tmp_path):
    done = check(tmp_path, PYPROJECT, LOCK.replace("typer==0.29.2", "typer>=0.29"))
    assert done.returncode == 1 and "'typer>=0.29' is not an exact pin" in done.stderr


def test_pins_for_another_python_are_ignored(tmp_path):
    lock = LOCK.replace("typer==0.29.2", "typer==0.29.2 ; python_version < '3.0'\ntyper==0.29.1")
    assert check(tmp_path, PYPROJECT, lock).returncode == 0
