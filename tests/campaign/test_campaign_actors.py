"""The periodic campaign actors, run in-process on the embedded broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from leadq.campaign.models import CampaignDaily, CampaignStepStats
from leadq.core.enqueue import send
from leadq.core.inline import run_until_idle
from leadq.db import session_scope
from leadq.mail.models import OutboundMessage
from tests.campaign_factory import add_leads, launched_campaign


def _states(settings) -> list[str]:
    with session_scope(settings) as session:
        return list(session.exec(select(OutboundMessage.state).order_by(OutboundMessage.id)))


def test_due_steps_then_metrics_then_the_daily_rollup(mail_settings, smtp_server, tmp_path):
    from leadq.actors.campaign import (
        daily_campaign_analytics,
        process_due_campaign_steps,
        update_campaign_metrics,
    )

    add_leads(mail_settings, 3)
    now = datetime.now(UTC)
    launched_campaign(mail_settings, tmp_path / "c", at=now, hours="0, end = 24")
    send(process_due_campaign_steps)
    run_until_idle(timeout=30)
    assert _states(mail_settings) == ["sent"] * 3 and len(smtp_server.received) == 3

    send(update_campaign_metrics)
    send(daily_campaign_analytics, now.strftime("%Y-%m-%d"))
    run_until_idle(timeout=30)
    with session_scope(mail_settings) as session:
        stats = session.get(CampaignStepStats, 1)
        [day] = session.exec(select(CampaignDaily)).all()
    assert (stats.audience, stats.sent, day.sent) == (3, 3, 3)


def test_retry_failed_emails_sends_transient_failures_whose_jobs_gave_up(
    mail_settings, smtp_server, tmp_path
):
    from leadq.actors.email import retry_failed_emails

    add_leads(mail_settings, 2)
    now = datetime.now(UTC)
    launched_campaign(mail_settings, tmp_path / "c", at=now, hours="0, end = 24")
    with session_scope(mail_settings) as session:
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == 1)
            .values(
                state="failed", error_kind="transient", attempts=3, updated_at=now - timedelta(minutes=20)
            )
        )
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == 2)
            .values(
                state="failed", error_kind="permanent", attempts=1, updated_at=now - timedelta(minutes=20)
            )
        )
    send(retry_failed_emails)
    run_until_idle(timeout=30)
    assert _states(mail_settings) == ["sent", "failed"]
    assert [r.rcpt_tos for r in smtp_server.received] == [["owner0@shop0.example"]]
