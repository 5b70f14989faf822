"""docs/configuration.md is generated from the settings model and kept current.

When a test here fails after a setting was added or changed, regenerate the
reference with ``python -m leadq.settings_doc > docs/configuration.md``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from leadq.cli.app import app
from typer.testing import CliRunner

from leadq import settings_doc
from leadq.settings import Settings, get_settings

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
runner = CliRunner()


def test_the_committed_reference_is_what_the_generator_writes():
    written = subprocess.run(
        [sys.executable, "-m", "leadq.settings_doc"], capture_output=True, text=True, check=True
    ).stdout
    assert REFERENCE.read_text(encoding="utf-8") == written, (
        f"docs/configuration.md is stale: run `{settings_doc.COMMAND}`"
    )


def test_every_setting_has_a_description():
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert not missing, f"give these settings a description=…, then run `{settings_doc.COMMAND}`: {missing}"


def test_every_setting_is_in_the_reference_once_with_type_default_and_readers():
    document = settings_doc.render()
    for name in Settings.model_fields:
        assert document.count(f"| `LEADQ_{name.upper()}` |") == 1, name
    rows = {line.split(" | ")[0].strip("| `"): line.split(" | ") for line in document.splitlines()}
    assert rows["LEADQ_SMTP_TLS"][1:3] == ["`none` or `starttls` or `ssl`", "`starttls`"]
    assert rows["LEADQ_REDIS_URL"][1:3] == ["string", "unset"]
    assert rows["LEADQ_PSI_CATEGORIES"][2] == '`["performance", "accessibility", "best-practices", "seo"]`'
    assert rows["LEADQ_DATA_DIR"][2].startswith("The platform's user data directory")


def test_readers_are_found_in_the_source_including_through_settings_properties():
    read_by = settings_doc.readers()
    assert "mail" in read_by["smtp_host"]
    assert "cli.worker" in read_by["worker_processes"]
    # Nobody writes settings.database_url: `db` reads it through effective_database_url.
    assert "db" in read_by["database_url"]
    assert "core" in read_by["broker"]
    # Named by an actor's periodic=CronSetting("…"), read by the scheduler.
    assert read_by["imap_poll_schedule"] == {"actors.inbox"}


def test_config_show_prints_each_setting_with_its_description(monkeypatch, tmp_path):
    monkeypatch.setenv("LEADQ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADQ_SMTP_HOST", "mail.example")
    get_settings.cache_clear()
    try:
        as_json = runner.invoke(app, ["config", "show", "--json"])
        table = runner.invoke(app, ["config", "show"], env={"COLUMNS": "250"})
    finally:
        get_settings.cache_clear()
    assert as_json.exit_code == 0 and table.exit_code == 0, as_json.output + table.output
    shown = json.loads(as_json.stdout)
    assert set(shown) == set(Settings.model_fields)
    assert shown["smtp_host"] == {
        "env": "LEADQ_SMTP_HOST",
        "value": "mail.example",
        "description": Settings.model_fields["smtp_host"].description,
    }
    assert "SMTP server host; unset means email cannot be sent." in table.stdout
    assert "LEADQ_SMTP_HOST" in table.stdout and "mail.example" in table.stdout
