"""Published reports: served by a real HTTP server under unguessable tokens, linked from templates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from leadq.cli.app import app
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
from tests.demo.conftest import DirectoryServer

LHR_13 = Path(__file__).parents[1] / "fixtures" / "psi" / "lighthouse-13.5-lhr-local-fast-page-mobile.json"
NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
LINK = TemplateSource("Your report", "See {{ audit.report_url }}", None)


@pytest.fixture
def web_root(tmp_path: Path) -> Iterator[DirectoryServer]:
    root = tmp_path / "www"
    root.mkdir()
    server = DirectoryServer(root)
    server.root = root  # type: ignore[attr-defined]
    yield server
    server.close()


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
