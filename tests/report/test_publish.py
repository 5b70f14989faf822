"""Published reports: served by a real HTTP server under unguessable tokens, linked from templates."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from leadq.cli.app import app
from sqlmodel import select
from typer.testing import CliRunner

from leadq.campaign.audits import latest_audit
from leadq.campaign.service import create_campaign
from leadq.db import session_scope
from leadq.leads.models import Lead
from leadq.mail.templates import TemplateSource, render
from leadq.mail.variables import template_variables
from leadq.pagespeed.report_parser import parse_file
from leadq.pagespeed.store import save_audit
from tests.campaign_factory import add_leads, write_campaign

LHR_13 = Path(__file__).parents[1] / "fixtures" / "psi" / "lighthouse-13.5-lhr-local-fast-page-mobile.json"
NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
LINK = TemplateSource("Your report", "See {{ audit.report_url }}", None)


def report_url_in_template(settings, lead_id: int) -> str:
    with session_scope(settings) as session:
        lead = session.get(Lead, lead_id)
        variables = template_variables(
            lead,
            audit=latest_audit(lead_id, session=session),
            campaign_name="c",
            sender_name="s",
            step_number=1,
        )
    return render(LINK, variables).text.removeprefix("See ")


def test_a_campaigns_audience_gets_published_reports_its_templates_link(
    settings, env, web_root, tmp_path
) -> None:
    lead_ids = add_leads(settings, 2)
    other = add_leads(settings, 1)[0]
    with session_scope(settings) as session:
        session.get(Lead, other).source = "maps"  # type: ignore[union-attr]  # not in the audience
        for lead_id in [*lead_ids, other]:
            save_audit(parse_file(LHR_13), session=session, lead_id=lead_id)
        create_campaign(write_campaign(tmp_path / "c", name="Plumbers"), now=NOW, session=session)
    env(LEADQ_DEMO_ROOT=str(web_root.root), LEADQ_DEMO_BASE_URL=web_root.url)
    runner = CliRunner()

    result = runner.invoke(app, ["report", "audience", "Plumbers", "--strategy", "mobile", "--inline"])
    assert result.exit_code == 0, result.output
    assert "2 job(s) succeeded" in result.output

    urls = [report_url_in_template(settings, lead_id) for lead_id in lead_ids]
    assert len(set(urls)) == 2
    for number, url in enumerate(urls):
        assert re.fullmatch(re.escape(web_root.url) + r"/[0-9a-f]{32}/", url)
        page = requests.get(url, timeout=5)
        assert page.status_code == 200
        assert f"Plumber {number}" in page.text and "default-src 'none'" in page.text
    assert report_url_in_template(settings, other) == ""  # not in the audience: nothing published

    again = runner.invoke(app, ["report", "audit", str(lead_ids[0]), "--strategy", "mobile", "--publish"])
    assert again.exit_code == 0, again.output
    assert f"published {urls[0]}" in again.output  # the link already sent keeps working


def test_publishing_without_a_destination_is_one_line_before_any_audit(settings, env) -> None:
    lead_id = add_leads(settings, 1)[0]
    env()
    result = CliRunner().invoke(app, ["report", "audit", str(lead_id), "--publish"])
    assert result.exit_code != 0
    assert "LEADQ_DEMO_ROOT" in result.output and "Traceback" not in result.output


@pytest.mark.chromium
def test_a_published_demo_is_audited_once_and_its_scores_shown_beside_the_site(
    settings, web_root, tmp_path
) -> None:
    from leadq.demo.service import BuildOptions, build_demo, publish_demo
    from leadq.pagespeed.engines import close_engines
    from leadq.pagespeed.models import Audit
    from leadq.pagespeed.record import AuditRecord
    from leadq.report.audit import audit_html
    from leadq.report.load import audit_report

    config = settings.model_copy(
        update={"demo_root": web_root.root, "demo_base_url": web_root.url, "pagespeed_engine": "local"}
    )
    lead_id = add_leads(config, 1, category="Plumber")[0]
    slow = AuditRecord(
        url="https://shop0.example",
        final_url="https://shop0.example/",
        engine="local",
        strategy="mobile",
        performance_score=31,
        categories={"performance": 31},
        fcp_ms=4100.0,
        lcp_ms=9800.0,
        cls=0.31,
    )
    with session_scope(config) as session:
        save_audit(slow, session=session, lead_id=lead_id)
    demo = publish_demo(config, build_demo(config, lead_id, BuildOptions(screenshots=False)).id)
    try:
        report = audit_report(config, str(lead_id), ["mobile"])
        again = audit_report(config, str(lead_id), ["mobile"])
    finally:
        close_engines()

    rows = {row.label: row for row in report.sections[0].demo}
    assert rows["Performance"].site == "31" and rows["Performance"].site_rating == "fail"
    assert int(rows["Performance"].demo) >= 90 and rows["Performance"].demo_rating == "pass"
    assert rows["Largest Contentful Paint"].site == "9.8 s"
    assert [vars(r) for r in again.sections[0].demo] == [vars(r) for r in report.sections[0].demo]
    with session_scope(config) as session:
        demo_audits = session.exec(select(Audit).where(Audit.url == demo.public_url)).all()
    assert len(demo_audits) == 1  # audited once, then read back
    # Stored as the demo of this lead, not as an audit of the lead's site or of an unrelated URL.
    assert (demo_audits[0].lead_id, demo_audits[0].demo_of_lead_id) == (None, lead_id)
    html = audit_html(report, None)
    assert "Your site beside the demo made for you" in html and f'href="{demo.public_url}"' in html
