"""The wheel ships actors/ and cli/ inside leadq, and nothing at the top level."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    # Build from a copy: an in-tree build/ left by an earlier build would
    # smuggle deleted files into the wheel and hide a missing package.
    source = tmp_path_factory.mktemp("source")
    for name in ("leadq", "actors", "cli"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    [wheel] = out.glob("leadq-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _source_packages() -> set[str]:
    """Every package directory in the checkout, by its installed name."""
    packages = set()
    for top, installed in (("leadq", "leadq"), ("actors", "leadq/actors"), ("cli", "leadq/cli")):
        for init in (REPO / top).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / top)
            packages.add(str(Path(installed) / relative) if relative.parts else installed)
    return packages


def test_actors_and_cli_ship_inside_the_leadq_package(wheel_files):
    assert "leadq/actors/__init__.py" in wheel_files
    assert "leadq/actors/maintenance.py" in wheel_files
    assert "leadq/cli/app.py" in wheel_files
    tops = {name.split("/")[0] for name in wheel_files}
    assert {"cli", "actors", "tests", "scripts"} & tops == set()


def test_every_source_package_is_in_the_wheel(wheel_files):
    missing = {p for p in _source_packages() if f"{p}/__init__.py" not in wheel_files}
    assert missing == set(), "add these to packages in pyproject.toml"


def test_migrations_and_redis_scripts_ship_as_data(wheel_files):
    assert "leadq/migrations/env.py" in wheel_files
    assert "leadq/migrations/script.py.mako" in wheel_files
    assert "leadq/migrations/versions/0001_core_job_history.py" in wheel_files
    assert "leadq/core/lua/enqueue_batch.lua" in wheel_files


def test_the_bundled_sample_ships_as_data(wheel_files):
    """`leadq scrape --sample` (the README's first command) runs from an installed wheel."""
    sample = REPO / "leadq" / "scrape" / "sample_data"
    shipped = {f"leadq/scrape/sample_data/{path.name}" for path in sample.iterdir()}
    assert shipped and shipped <= wheel_files
