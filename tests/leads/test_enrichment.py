"""Website enrichment onto leads: the enrich_website actor and `leadq scrape --pipeline`."""

from __future__ import annotations

import json

from leadq.cli.app import app
from sqlmodel import select
from typer.testing import CliRunner

from leadq.core.broker import setup_broker
from leadq.core.enqueue import send
from leadq.core.inline import run_until_idle
from leadq.core.jobs import list_jobs
from leadq.db import session_scope
from leadq.leads.models import Lead
from leadq.leads.record import LeadRecord
from leadq.leads.store import upsert_lead


def test_enrichment_stores_signals_and_fills_email_but_keeps_the_listing_phone(settings, sample_site):
    _site, base = sample_site
    with session_scope(settings) as session:
        lead, _ = upsert_lead(
            LeadRecord(
                source="craigslist",
                external_id="1",
                website=f"{base}/biz/greenleaf/",
                phones=["+14155550199"],
            ),
            session=session,
        )
    setup_broker(settings, inline=True)
    from leadq.actors.scrape import enrich_website

    send(enrich_website, lead.id)
    run_until_idle(timeout=60)
    with session_scope(settings) as session:
        lead = session.get(Lead, lead.id)
    assert lead.email == "info@greenleaf-landscaping.example"
    assert lead.emails == ["info@greenleaf-landscaping.example", "jobs@greenleaf-landscaping.example"]
    assert lead.phone == "+14155550199"
    signals = lead.signals
    assert (signals["cms"], signals["copyright_year"], signals["contact_form"]) == ("WordPress", 2016, True)
    assert signals["social"] == {"facebook": "https://www.facebook.com/greenleafsf"}


def test_a_lead_website_on_a_private_address_is_refused_without_the_setting(settings, sample_site):
    _site, base = sample_site
    strict = settings.model_copy(update={"allow_private_urls": False})
    with session_scope(strict) as session:
        lead, _ = upsert_lead(
            LeadRecord(source="x", external_id="1", website=f"{base}/biz/greenleaf/"), session=session
        )
    setup_broker(strict, inline=True)
    from leadq.actors.scrape import enrich_website

    job_id = send(enrich_website, lead.id)
    run_until_idle(timeout=60)
    [job] = [job for job in list_jobs(strict) if job.id == job_id]
    assert (job.state, job.error_type) == ("dead", "UrlRefused")
    with session_scope(strict) as session:
        assert session.get(Lead, lead.id).signals == {}


def test_pipeline_sends_new_leads_with_a_website_to_enrichment(cli_env, sample_site, tmp_path):
    _site, base = sample_site
    spec = tmp_path / "dir.toml"
    spec.write_text(
        f"""
name = "gardeners"
list_url = "{base}/directory"
item = "li.biz"
[fields]
name = ".name"
external_id = "@data-id"
website = "a.www @href"
phone = ".tel"
"""
    )
    result = CliRunner().invoke(
        app, ["scrape", "--source-file", str(spec), "--inline", "--pipeline", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["new"] == 2
    with session_scope(cli_env) as session:
        leads = {lead.name: lead for lead in session.exec(select(Lead)).all()}
    assert leads["Greenleaf Landscaping"].email == "info@greenleaf-landscaping.example"
    assert leads["Greenleaf Landscaping"].signals["reachable"] is True
    assert (
        leads["No Website Gardening"].signals == {} and leads["No Website Gardening"].phone == "+14155550177"
    )
