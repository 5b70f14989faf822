"""`leadq pagespeed` and `leadq audits` through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.settings import get_settings

from .conftest import Reply
from .pages import install

FIXTURES = Path(__file__).parents[1] / "fixtures" / "psi"
PSI_2019 = FIXTURES / "psi-v5-response-2019-html5rocks-desktop.json"
LHR_13 = FIXTURES / "lighthouse-13.5-lhr-local-fast-page-mobile.json"
RECORD_KEYS = {
    "performance_score",
    "fcp_ms",
    "lcp_ms",
    "tbt_ms",
    "cls",
    "speed_index_ms",
    "strategy",
    "final_url",
    "engine",
    "field",
    "categories",
    "opportunities",
}

runner = CliRunner()


@pytest.fixture
def env(monkeypatch, tmp_path, server):
    """The CLI reads settings from the environment, as in real use."""
    monkeypatch.setenv("LEADQ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADQ_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("LEADQ_BROKER", "embedded")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def leadq(*args: str):
    return runner.invoke(app, list(args))


def test_parse_prints_the_record_keys_as_json(env) -> None:
    result = leadq("pagespeed", "parse", str(LHR_13), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert RECORD_KEYS <= set(data)
    assert data["performance_score"] == 100
    assert data["lcp_ms"] == pytest.approx(752.6249)
    assert data["field"] is None


def test_parse_shows_a_report_with_problems_in_plain_words(env) -> None:
    result = leadq("pagespeed", "parse", str(PSI_2019))
    assert result.exit_code == 0, result.output
    assert "99" in result.stdout
    assert "Eliminate render-blocking resources (could save about 0.2 s)." in result.stdout


def test_parse_of_a_file_that_is_not_a_report_is_one_line_and_exit_1(env, tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    result = leadq("pagespeed", "parse", str(bad))
    assert result.exit_code == 1
    assert "is not JSON" in result.output
    assert "Traceback" not in result.output


def test_a_private_url_is_refused_with_one_line(env) -> None:
    env.setenv("LEADQ_ALLOW_PRIVATE_URLS", "0")
    get_settings.cache_clear()
    result = leadq("pagespeed", "http://127.0.0.1:9/", "--engine", "psi")
    assert result.exit_code == 1
    assert "non-public address" in result.output


def test_run_without_urls_or_pending_says_what_to_give(env) -> None:
    result = leadq("pagespeed", "run")
    assert result.exit_code == 2  # a usage error
    assert "give URLs to audit or --pending" in result.output


def test_an_inline_psi_audit_is_stored_and_listed(env, server) -> None:
    server.route("/psi/runPagespeed", Reply(200, PSI_2019.read_bytes(), {"Content-Type": "application/json"}))
    env.setenv("LEADQ_PSI_BASE_URL", server.url + "/psi")
    get_settings.cache_clear()
    result = leadq(
        "pagespeed", "--engine", "psi", "https://www.html5rocks.com/en/", "--strategy", "desktop", "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["performance_score"] == 99
    listed = json.loads(leadq("audits", "list", "--worst", "--json").stdout)
    assert [(a["url"], a["performance_score"]) for a in listed] == [("https://www.html5rocks.com/en/", 99)]


def test_run_inline_audits_a_batch_through_the_embedded_broker(env, server) -> None:
    server.route("/psi/runPagespeed", Reply(200, PSI_2019.read_bytes(), {"Content-Type": "application/json"}))
    env.setenv("LEADQ_PSI_BASE_URL", server.url + "/psi")
    env.setenv("LEADQ_PSI_API_KEY", "k")
    get_settings.cache_clear()
    result = leadq(
        "pagespeed", "run", "https://a.example/", "https://b.example/", "--strategy", "both", "--inline"
    )
    assert result.exit_code == 0, result.output
    assert "4 job(s) succeeded" in result.stdout
    assert "failed" not in result.stdout and "dead" not in result.stdout
    assert len(json.loads(leadq("audits", "list", "--json").stdout)) == 4


@pytest.mark.chromium
def test_a_local_audit_of_a_page_prints_the_record_keys(env, server) -> None:
    install(server)
    result = leadq("pagespeed", server.url + "/no-viewport", "--engine", "local", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert RECORD_KEYS <= set(data)
    assert data["engine"] == "local"
    assert {c["id"]: c["passed"] for c in data["checks"]}["viewport"] is False
    assert data["categories"].keys() == {"performance", "best-practices", "seo"}
    covered = data["details"]["lab_categories"]
    seo = {audit["id"]: audit["score"] for audit in covered["seo"]["audits"]}
    assert seo["meta-description"] == 0 and seo["document-title"] == 1
    assert "axe-core" in covered["accessibility"]["not_measured"]


@pytest.mark.chromium
def test_a_local_audit_shows_seo_and_best_practices_and_says_accessibility_is_not_scored(env, server) -> None:
    install(server)
    result = leadq("pagespeed", server.url + "/no-viewport", "--engine", "local", "--strategy", "desktop")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.replace("│", " ").split())  # the panel's wrapped lines, rejoined
    assert "Best practices" in text and "SEO" in text
    assert "SEO covers 10 of Lighthouse's 11 audits" in text
    assert "Not measured: structured-data (a manual check in Lighthouse too)" in text
    assert "Accessibility is not scored" in text
    assert "SEO — not passed: Document has a meta description: no meta description" in text


def test_a_missing_chromium_is_one_line_naming_the_packages_and_the_setting(env, server) -> None:
    env.setenv("LEADQ_CHROMIUM_PATH", "/nonexistent/chromium")
    get_settings.cache_clear()
    result = leadq("pagespeed", server.url + "/fast", "--engine", "local")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: chromium not found at /nonexistent/chromium: install Debian's chromium and "
        "chromium-driver (`sudo apt-get install chromium chromium-driver`) or set LEADQ_CHROMIUM_PATH"
    ]


@pytest.mark.redis
def test_queue_enqueues_on_redis_and_prints_the_job_ids(env, redis_url) -> None:
    import uuid

    import redis

    from leadq.core.jobs import get_job

    namespace = f"leadq-test-{uuid.uuid4().hex[:12]}"
    env.setenv("LEADQ_BROKER", "redis")
    env.setenv("LEADQ_REDIS_URL", redis_url)
    env.setenv("LEADQ_NAMESPACE", namespace)
    get_settings.cache_clear()
    try:
        result = leadq("pagespeed", "https://joes.example/", "--strategy", "both", "--queue")
        assert result.exit_code == 0, result.output
        ids = result.stdout.strip().splitlines()[1:]
        assert len(ids) == 2
        assert {get_job(get_settings(), job_id).actor for job_id in ids} == {"audit_website"}
    finally:
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(f"{namespace}*"))
        if keys:
            client.delete(*keys)


def test_run_pending_inline_audits_leads_that_need_it(env, server) -> None:
    from leadq.db import session_scope
    from leadq.leads.models import Lead

    server.route("/psi/runPagespeed", Reply(200, PSI_2019.read_bytes(), {"Content-Type": "application/json"}))
    env.setenv("LEADQ_PSI_BASE_URL", server.url + "/psi")
    env.setenv("LEADQ_PSI_API_KEY", "k")
    get_settings.cache_clear()
    with session_scope(get_settings()) as session:
        session.add(Lead(name="Joe's Plumbing", website="joesplumbing.example", source="test"))
    result = leadq("pagespeed", "run", "--pending", "--inline")
    assert result.exit_code == 0, result.output
    assert "2 job(s) succeeded" in result.stdout  # audit_pending and the audit it sent
    [audit] = json.loads(leadq("audits", "list", "--json").stdout)
    assert audit["lead_id"] == 1
    assert audit["url"] == "http://joesplumbing.example"
