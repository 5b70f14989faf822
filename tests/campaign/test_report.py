"""`leadq campaign report`: the funnel and charts from the stored counts of a real sent campaign."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.campaign.stats import daily_rollup, update_metrics
from leadq.db import session_scope
from tests.campaign_factory import add_audits, add_leads, deliver_now, due_rows, launched_campaign

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_the_report_shows_the_stored_funnel_and_the_audiences_scores(
    mail_settings, smtp_server, tmp_path, env
) -> None:
    add_leads(mail_settings, 4)
    launched_campaign(mail_settings, tmp_path / "c", at=MONDAY_10, name="Plumbers <b>fall</b>")
    add_audits(mail_settings, [{"l": 1, "s": 35}, {"l": 2, "s": 72}, {"l": 2, "s": 95}])
    runner = CliRunner()
    env()

    before = runner.invoke(app, ["campaign", "report", "1", "--json"])
    assert before.exit_code == 0, before.output
    assert json.loads(before.stdout)["funnel"] == []  # nothing counted yet: no made-up numbers

    for row_id in due_rows(mail_settings, MONDAY_10):
        deliver_now(mail_settings, row_id, MONDAY_10)
    with session_scope(mail_settings) as session:
        update_metrics(now=MONDAY_10, session=session)
        daily_rollup(MONDAY_10, session=session)

    page = tmp_path / "campaign.html"
    result = runner.invoke(app, ["campaign", "report", "1", "--html", str(page), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout[result.stdout.index("{") :])
    assert data["funnel"] == [
        {"stage": "Audience", "leads": 4},
        {"stage": "Sent the first email", "leads": 4},
    ]
    assert data["not_tracked"] == ["opened or clicked", "replied", "won"]
    assert data["days"] == [{"day": "2026-11-23", "sent": 4, "failed": 0, "skipped": 0, "unsubscribed": 0}]
    assert data["scores"] == {"audited": 2, "not_audited": 2, "values": [35, 95]}  # each lead's newest

    html = page.read_text()
    assert '<svg class="funnel"' in html and 'aria-label="score distribution"' in html
    assert 'aria-label="emails sent per day"' in html
    assert "Not shown: opened or clicked, replied, won" in html
    assert "Plumbers &lt;b&gt;fall&lt;/b&gt;" in html and "<b>" not in html

    terminal = runner.invoke(app, ["campaign", "report", "1"])
    assert terminal.exit_code == 0, terminal.output
    assert "Sent the first email" in terminal.stdout and "█" in terminal.stdout
    assert "not tracked: opened or clicked, replied, won" in terminal.stdout
