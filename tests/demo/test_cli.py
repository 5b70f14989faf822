"""`leadq demo` through the real Typer app, embedded broker, the test's database."""

from __future__ import annotations

import json
from pathlib import Path

from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.settings import get_settings
from tests.scrape.shared_fixtures import cli_env  # noqa: F401

from .conftest import PLUMBER

runner = CliRunner()


def leadq(*args: str):
    return runner.invoke(app, list(args))


def test_build_inline_then_list_show_and_open(cli_env, make_lead) -> None:  # noqa: F811
    first, second = make_lead(**PLUMBER), make_lead(name="Luigi's", category="Pizza restaurant")
    result = leadq("demo", "build", str(first), str(second), "--inline", "--no-screenshots")
    assert result.exit_code == 0, result.output
    assert "2 job(s) succeeded" in result.output
    listed = sorted(json.loads(leadq("demo", "list", "--json").stdout), key=lambda d: -d["lead_id"])
    assert [(d["lead_id"], d["template"], d["state"]) for d in listed] == [
        (second, "food", "built"),
        (first, "trades", "built"),
    ]
    shown = json.loads(leadq("demo", "show", str(listed[1]["id"]), "--json").stdout)
    assert Path(shown["index"]).is_file() and Path(shown["zip"]).is_file()
    assert shown["site_bytes"] == Path(shown["index"]).stat().st_size
    opened = leadq("demo", "open", str(listed[1]["id"]))
    assert opened.exit_code == 0 and opened.stdout.strip() == Path(shown["index"]).as_uri()
    table = leadq("demo", "list")
    assert "trades" in table.stdout and "food" in table.stdout
    stats = json.loads(leadq("demo", "stats", "--json").stdout)
    assert {(row["demo_id"], row["views"]) for row in stats} == {(listed[0]["id"], 0), (listed[1]["id"], 0)}


def test_an_unknown_lead_fails_its_job_and_an_unknown_demo_is_one_line(cli_env) -> None:  # noqa: F811
    result = leadq("demo", "build", "404", "--inline", "--no-screenshots")
    assert result.exit_code == 1
    assert "1 job(s) dead" in result.output and "lead 404 does not exist" in " ".join(result.output.split())
    shown = leadq("demo", "show", "7")
    assert shown.exit_code == 1
    assert "demo 7 does not exist" in shown.output and "Traceback" not in shown.output


def test_publish_without_a_destination_names_the_setting(cli_env, make_lead) -> None:  # noqa: F811
    leadq("demo", "build", str(make_lead()), "--inline", "--no-screenshots")
    result = leadq("demo", "publish", "1")
    assert result.exit_code != 0 and "LEADQ_DEMO_ROOT" in result.output


def test_a_broken_user_template_or_missing_destination_stops_the_build_before_any_job(
    cli_env,  # noqa: F811
    make_lead,
    monkeypatch,
    tmp_path,
) -> None:
    lead_id = str(make_lead(**PLUMBER))
    result = leadq("demo", "build", lead_id, "--inline", "--no-screenshots", "--publish")
    assert result.exit_code == 1 and "LEADQ_DEMO_ROOT" in result.output and "job" not in result.output
    own = tmp_path / "own"
    own.mkdir()
    (own / "food.html.j2").write_text(
        '{% extends "base.html.j2" %}\n{% block tagline %}{{ x {% endblock %}\n'
    )
    monkeypatch.setenv("LEADQ_DEMO_TEMPLATES", str(own))
    get_settings.cache_clear()
    result = leadq("demo", "build", lead_id, "--inline", "--no-screenshots")
    assert result.exit_code == 1
    assert f"demo template {own / 'food.html.j2'}, line 2:" in " ".join(result.output.split())
