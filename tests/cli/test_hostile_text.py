"""Scraped text reaches the terminal as text: no Rich markup, no escape sequences.

Pages are hostile. A business name with ``[/]`` used to crash ``leads show``
with a MarkupError, and ``&#27;`` in a page put a real escape sequence on the
user's terminal. Every case runs a real command through CliRunner on a real
SQLite store and checks the raw bytes written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.core import deadletters
from leadq.core.history import HistoryRecorder, event
from leadq.db import session_scope
from leadq.leads.record import LeadRecord
from leadq.leads.store import upsert_lead
from leadq.settings import get_settings
from tests.conftest import FIXTURES
from tests.core.conftest import wait_until

runner = CliRunner()
#: Wide enough that no table cell is cut, so the whole value can be checked.
WIDE = {"COLUMNS": "400"}

#: What ``&#27;]0;pwned&#7;`` (retitle the terminal) and friends decode to.
HOSTILE = "Acme [/] [bold]Sons\x1b[31m red \x1b]0;pwned\x07 \u202eevil\r\x08 \x9b2J"


def assert_printed_as_text(output: str) -> None:
    assert "\x1b" not in output and "\x07" not in output and "\x9b" not in output
    assert "\u202e" not in output and "\r" not in output and "\x08" not in output
    assert "Traceback" not in output and "MarkupError" not in output


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("LEADQ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADQ_BROKER", "embedded")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def hostile_lead(env) -> int:
    with session_scope(env) as session:
        lead, _ = upsert_lead(
            LeadRecord(
                source="craigslist",
                external_id="[/]\x1b[2J",
                name=HOSTILE,
                city="[red]Boston\x1b]0;x\x07",
                site="sfbay",
                emails=["a@b.example"],
            ),
            session=session,
        )
    return lead.id


def test_leads_show_prints_markup_and_escape_sequences_as_visible_text(hostile_lead):
    result = runner.invoke(app, ["leads", "show", str(hostile_lead)])
    assert result.exit_code == 0, result.output
    assert_printed_as_text(result.output)
    assert "Acme [/] [bold]Sons\\x1b[31m red \\x1b]0;pwned\\x07 \\u202eevil\\r\\x08 \\x9b2J" in result.stdout
    assert "[red]Boston\\x1b]0;x\\x07" in result.stdout
    assert "craigslist [/]\\x1b[2J" in result.stdout


def test_leads_list_prints_hostile_names_as_text(hostile_lead):
    result = runner.invoke(app, ["leads", "list"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert_printed_as_text(result.output)
    assert "Acme [/] [bold]Sons\\x1b[31m" in result.stdout


def test_leads_json_keeps_the_exact_value_with_every_control_escaped(hostile_lead):
    result = runner.invoke(app, ["leads", "show", str(hostile_lead), "--json"])
    assert result.exit_code == 0, result.output
    assert_printed_as_text(result.stdout)
    assert json.loads(result.stdout)["name"] == HOSTILE


def test_scrape_parse_shows_an_html_escaped_control_sequence_as_text(env, tmp_path):
    page = (FIXTURES / "craigslist" / "search-static-layout.html").read_text(encoding="utf-8")
    hostile_title = 'class="title">Solar [/] [bold]tea &#27;]0;pwned&#7;&#27;[31mlight<'
    saved = tmp_path / "search.html"
    saved.write_text(page.replace('class="title">Solar tea light<', hostile_title), encoding="utf-8")
    table = runner.invoke(app, ["scrape", "parse", str(saved)], env=WIDE)
    assert table.exit_code == 0, table.output
    assert_printed_as_text(table.output)
    assert "Solar [/] [bold]tea \\x1b]0;pwned\\x07\\x1b[31mlight" in table.stdout
    as_json = runner.invoke(app, ["scrape", "parse", str(saved), "--json"])
    titles = [listing["title"] for listing in json.loads(as_json.stdout)]
    assert "Solar [/] [bold]tea \x1b]0;pwned\x07\x1b[31mlight" in titles


def test_job_status_and_list_show_hostile_error_messages_as_text(env):
    recorder = HistoryRecorder(env)
    recorder.record_many(
        [
            event("job-hostile-1", "enqueued", actor="enrich_lead", queue="scrape", args_summary="[/]"),
            event("job-hostile-1", "failed", error_type="PermanentError", error_message=HOSTILE),
        ]
    )
    recorder.flush()
    status = runner.invoke(app, ["job", "status", "job-hostile-1"], env=WIDE)
    assert status.exit_code == 0, status.output
    assert_printed_as_text(status.output)
    assert "last error: PermanentError: Acme [/] [bold]Sons\\x1b[31m" in status.stdout
    listing = runner.invoke(app, ["job", "list"], env=WIDE)
    assert listing.exit_code == 0, listing.output
    assert_printed_as_text(listing.output)
    assert "Acme [/] [bold]Sons\\x1b[31m" in listing.stdout


def test_pagespeed_report_of_a_hostile_page_prints_its_url_as_text(env, tmp_path):
    lhr = json.loads(
        (FIXTURES / "psi" / "lighthouse-13.5-lhr-local-fast-page-mobile.json").read_text(encoding="utf-8")
    )
    lhr["finalDisplayedUrl"] = lhr["finalUrl"] = "http://shop.example/[/]\x1b]0;pwned\x07"
    report = tmp_path / "report.json"
    report.write_text(json.dumps(lhr), encoding="utf-8")
    result = runner.invoke(app, ["pagespeed", "parse", str(report)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert_printed_as_text(result.output)
    assert "http://shop.example/[/]\\x1b]0;pwned\\x07" in result.stdout


def test_an_error_quoting_hostile_input_is_one_line_of_text(env):
    result = runner.invoke(app, ["leads", "list", "--since", "[/]\x1b[31m[bold]"])
    assert result.exit_code == 2  # a usage error
    assert_printed_as_text(result.output)
    assert "--since takes a duration" in result.stderr and "[/]" in result.stderr


def test_a_missing_report_file_named_with_markup_is_one_line(env, tmp_path: Path):
    result = runner.invoke(app, ["pagespeed", "parse", str(tmp_path / "[/]\x1b[2J.json")])
    assert result.exit_code == 1
    assert_printed_as_text(result.output)
    assert "[/]" in result.stderr


@pytest.mark.redis
def test_dead_letters_and_top_show_a_hostile_error_as_text(
    redis_settings, redis_broker, start_worker, monkeypatch
):
    from leadq.core.enqueue import send
    from tests.core import sample_actors

    start_worker()
    job_id = send(sample_actors.broken, HOSTILE)
    wait_until(lambda: deadletters.list_dead(redis_broker, redis_settings), what="the dead letter")
    monkeypatch.setenv("LEADQ_REDIS_URL", redis_settings.redis_url)
    monkeypatch.setenv("LEADQ_NAMESPACE", redis_settings.namespace)
    monkeypatch.setenv("LEADQ_DATA_DIR", str(redis_settings.data_dir))
    get_settings.cache_clear()
    try:
        wait_until(
            # "listing Acme": the error, which reaches job history after the args do.
            lambda: "listing Acme" in runner.invoke(app, ["dead", "show", job_id]).stdout,
            what="the error in history",
        )
        results = [
            runner.invoke(app, args, env=WIDE) for args in (["dead", "list"], ["dead", "show", job_id])
        ]
        results.append(runner.invoke(app, ["top", "--once"], env={"COLUMNS": "200"}))
    finally:
        get_settings.cache_clear()
    for result in results:
        assert result.exit_code == 0, result.output
        assert_printed_as_text(result.output)
        assert "listing Acme [/] [bold]Sons\\x1b[31m" in result.stdout


def test_email_preview_for_a_hostile_lead_prints_headers_and_body_as_text(
    hostile_lead, monkeypatch, tmp_path
):
    from tests.campaign_factory import write_campaign

    for name, value in {
        "LEADQ_EMAIL_FROM": "Ada at Studio <ada@studio.example>",
        "LEADQ_POSTAL_ADDRESS": "Studio Ltd, 1 Main St, Springfield",
        "LEADQ_UNSUBSCRIBE_URL": "https://s.example/u",
        "LEADQ_UNSUBSCRIBE_SECRET": "cli-secret",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    write_campaign(tmp_path / "c")
    template = str(tmp_path / "c" / "intro.toml")
    result = runner.invoke(app, ["email", "preview", "--template", template, "--lead", str(hostile_lead)])
    assert result.exit_code == 0, result.output
    assert_printed_as_text(result.output)
    assert "Hi Acme [/] [bold]Sons\\x1b[31m red" in result.stdout  # the body keeps its lines
    assert "Studio Ltd, 1 Main St, Springfield" in result.stdout.splitlines()


def test_scrape_status_prints_a_hostile_query_and_listing_error_as_text(env):
    from leadq.scrape.models import ScrapeRun
    from leadq.scrape.runs import bump, create_run
    from leadq.sources.base import SearchQuery

    with session_scope(env) as session:
        run = create_run("craigslist", SearchQuery(site="sfbay", query="[/]\x1b]0;q\x07"), session=session)
        run.job_id = "search-1"
        bump(run.id, session=session, pages=1, listings=1, errors=1)
        session.get(ScrapeRun, run.id).state = "searched"
        run_id = run.id
    recorder = HistoryRecorder(env)
    recorder.record_many(
        [
            event("search-1", "succeeded", actor="scrape_search", queue="scrape"),
            event("listing-1", "failed", actor="scrape_listing", queue="scrape", parent_id="search-1"),
            event("listing-1", "failed", error_type="ParseError", error_message=HOSTILE),
        ]
    )
    recorder.flush()
    result = runner.invoke(app, ["scrape", "status", str(run_id)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert_printed_as_text(result.output)
    assert "craigslist sfbay [/]\\x1b]0;q\\x07" in result.stdout
    assert "ParseError: Acme [/] [bold]Sons\\x1b[31m" in result.stderr
