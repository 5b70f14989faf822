"""LEADQ_IMAP_POLL_SCHEDULE: a cron spec checked when settings load."""

from __future__ import annotations

import pytest
from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.settings import Settings, get_settings


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("*/5 * *", "expected 'minute hour day month weekday'"),
        ("61 * * * *", "minute must be within 0-59"),
        ("@fortnightly", "unknown cron name '@fortnightly'"),
    ],
)
def test_a_bad_poll_schedule_is_one_line_naming_the_variable(spec, problem, tmp_path):
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            app,
            ["inbox", "list"],
            env={"LEADQ_DATA_DIR": str(tmp_path), "LEADQ_IMAP_POLL_SCHEDULE": spec},
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: invalid setting LEADQ_IMAP_POLL_SCHEDULE={spec!r}: ")
    assert problem in line


def test_the_poll_schedule_defaults_to_every_five_minutes_and_is_stored_normalised(tmp_path):
    assert Settings(data_dir=tmp_path).imap_poll_schedule == "*/5 * * * *"
    assert (
        Settings(data_dir=tmp_path, imap_poll_schedule=" 0  * * * 1-5 ").imap_poll_schedule == "0 * * * 1-5"
    )
