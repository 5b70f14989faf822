"""The README's first command: `leadq scrape --sample --pipeline --inline --wait`, end to end.

The bundled sample is served in-process on loopback; the lead URL guard stays
on (no LEADQ_ALLOW_PRIVATE_URLS), opened only for the sample's own origins.
Enrichment and the audit run for real (Debian's Chromium), so the table shows
real audit scores.
"""

from __future__ import annotations

import json

import pytest
from leadq.cli.app import app
from sqlmodel import select
from typer.testing import CliRunner

from leadq.db import session_scope
from leadq.errors import UrlRefused
from leadq.leads.models import Lead
from leadq.leads.record import LeadRecord
from leadq.net import HttpClient
from leadq.pagespeed.models import Audit
from leadq.scrape.bundled_sample import load_sample, start_sample
from leadq.scrape.pipeline import store_record
from leadq.settings import Settings, get_settings

runner = CliRunner()
FIRST_COMMAND = ["scrape", "--source", "craigslist", "--sample", "--pipeline", "--inline", "--wait"]
WEBSITES = {"Greenleaf Landscaping", "Bayside Plumbing", "Mission Roofing", "Oak & Ash Tree Care"}


def _leads(settings: Settings) -> dict[str, Lead]:
    with session_scope(settings) as session:
        return {lead.name: lead for lead in session.exec(select(Lead)).all()}


@pytest.mark.chromium
@pytest.mark.slow
def test_the_first_command_scrapes_enriches_and_audits_the_sample_including_merged_leads(guarded_cli_env):
    # Bayside was already a lead (found elsewhere, same phone, no website): its listing
    # merges into it, and the pipeline still takes it on to enrichment and the audit.
    with session_scope(guarded_cli_env) as session:
        existing, _ = store_record(
            LeadRecord(
                source="yellowpages", external_id="yp-1", name="Bayside Plumbing", phones=["+14155550161"]
            ),
            session=session,
            run_id=None,
        )
    result = runner.invoke(app, FIRST_COMMAND)
    assert result.exit_code == 0, result.output
    counters = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert "│ 1 │ 6 │ 4 │ 0 │ 2 │ 0 │ 0 │ 0 │" in counters  # 6 listings: 4 new leads, 2 merged
    assert "leads found" in result.stdout and "audit skipped" not in result.stderr
    leads = _leads(guarded_cli_env)
    assert leads["Bayside Plumbing"].id == existing and leads["Bayside Plumbing"].website
    with session_scope(guarded_cli_env) as session:
        audits = {audit.lead_id: audit for audit in session.exec(select(Audit)).all()}
    assert {lead.id for name, lead in leads.items() if name in WEBSITES} == set(audits)
    for name in WEBSITES:
        lead = leads[name]
        row = next(line for line in result.stdout.splitlines() if f" {name} " in line)
        assert row.rstrip(" │").endswith(f" {audits[lead.id].score}"), row
        assert lead.emails and lead.emails[0] in row  # enrichment found the contact page's address
    assert "Sunset Painters" in result.stdout and "no website" in result.stdout
    # The slow render-blocking script costs Mission Roofing points against the quick sites.
    assert audits[leads["Mission Roofing"].id].score < audits[leads["Bayside Plumbing"].id].score
    worst = min(audits.values(), key=lambda audit: audit.score)
    assert f"next: `leadq leads show {worst.lead_id}`" in result.stdout


def test_without_chromium_the_audit_is_skipped_in_one_line_and_the_rest_succeeds(
    guarded_cli_env, monkeypatch
):
    monkeypatch.setenv("LEADQ_CHROMIUM_PATH", "/nonexistent/chromium")
    get_settings.cache_clear()
    result = runner.invoke(app, [*FIRST_COMMAND, "--json"])
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.stderr.splitlines() if "chromium not found" in line]
    assert skipped == [], "with --json the reason is in the JSON, not on stderr"
    data = json.loads(result.stdout)
    assert data["audit_skipped"].startswith("chromium not found at /nonexistent/chromium")
    audits = {row["name"]: row["audit"] for row in data["leads"]}
    assert audits == dict.fromkeys(WEBSITES, "skipped") | {"Sunset Painters": "no website"}
    assert all(row["emails"] for row in data["leads"] if row["name"] in WEBSITES)
    table = runner.invoke(app, ["scrape", "status", str(data["run_id"])])
    assert table.exit_code == 0

    again = runner.invoke(app, FIRST_COMMAND)  # a second run: every listing is known already
    assert again.exit_code == 0, again.output
    assert again.stderr.count("audit skipped: chromium not found at /nonexistent/chromium") == 1
    assert "Traceback" not in again.output


def test_sample_is_only_for_craigslist_without_a_base_url(guarded_cli_env):
    result = runner.invoke(app, ["scrape", "--sample", "--base-url", "http://127.0.0.1:1", "--inline"])
    assert result.exit_code == 1 and "--sample is a Craigslist stand-in" in result.stderr


def test_private_addresses_are_allowed_for_the_sample_origins_only():
    sample = start_sample()
    try:
        settings = sample.settings(Settings(_env_file=None, psi_api_key="a-key"))
        assert settings.allow_private_urls is False
        assert settings.pagespeed_engine == "local"  # Google's PSI cannot reach loopback websites
        website = sample.origins[1] + "/"
        client = HttpClient(settings)
        assert "<h1>" in client.get(website).text
        host, port = website.removeprefix("http://").rstrip("/").split(":")
        other_port = f"http://{host}:{int(port) + 1}/"
        for refused in (other_port, "http://127.0.0.1:22/", "http://10.0.0.5/"):
            with pytest.raises(UrlRefused):
                HttpClient(settings).get(refused)
    finally:
        sample.close()


def test_every_sample_business_with_a_site_has_a_listing_phone():
    data = load_sample()
    listed = {listing.get("site") for listing in data["listing"]}
    assert set(data["site"]) <= listed
