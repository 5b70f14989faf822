"""Campaign sequences over a controllable clock: step timing, status, unsubscribes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from leadq.campaign.models import Campaign, CampaignDaily, CampaignStepStats
from leadq.campaign.stats import daily_rollup, due_progress, step_status, update_metrics
from leadq.db import session_scope
from leadq.mail.tokens import UnsubscribeClaim
from leadq.mail.unsubscribe import record_unsubscribe
from tests.campaign_factory import add_leads, deliver_now, due_rows, launched_campaign

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _tick(settings, now) -> list[str]:
    """One due-steps pass then every handed-out message sent, all at ``now``."""
    return [deliver_now(settings, row_id, now) for row_id in due_rows(settings, now)]


def _status(settings, campaign_id):
    with session_scope(settings) as session:
        return step_status(session.get(Campaign, campaign_id), session=session)


def test_a_follow_up_goes_out_its_delay_after_the_previous_step_and_not_before(
    mail_settings, smtp_server, tmp_path
):
    add_leads(mail_settings, 3)
    campaign_id = launched_campaign(mail_settings, tmp_path / "c", at=MONDAY_10)

    assert _tick(mail_settings, MONDAY_10 - timedelta(minutes=1)) == []
    assert _tick(mail_settings, MONDAY_10) == ["sent"] * 3
    assert _tick(mail_settings, MONDAY_10 + timedelta(days=2, hours=23)) == []
    assert _tick(mail_settings, MONDAY_10 + timedelta(days=3)) == ["sent"] * 3
    assert _tick(mail_settings, MONDAY_10 + timedelta(days=30)) == []

    subjects = [r.message["Subject"] for r in smtp_server.to("owner1@shop1.example")]
    assert subjects == ["A faster site for Plumber 1", "Following up, Plumber 1"]
    step1, step2 = _status(mail_settings, campaign_id)
    assert (step1["audience"], step1["sent"], step2["audience"], step2["sent"]) == (3, 3, 3, 3)


def test_an_unsubscribed_lead_leaves_the_sequence_and_is_counted_on_the_step_it_answered(
    mail_settings, smtp_server, tmp_path
):
    add_leads(mail_settings, 2)
    campaign_id = launched_campaign(mail_settings, tmp_path / "c", at=MONDAY_10)
    _tick(mail_settings, MONDAY_10)
    with session_scope(mail_settings) as session:
        claim = UnsubscribeClaim(email="owner0@shop0.example", lead_id=1, campaign_id=campaign_id)
        record_unsubscribe(claim, method="one-click", now=MONDAY_10 + timedelta(hours=1), session=session)

    assert _tick(mail_settings, MONDAY_10 + timedelta(days=3)) == ["sent"]

    assert len(smtp_server.to("owner0@shop0.example")) == 1
    assert len(smtp_server.to("owner1@shop1.example")) == 2
    step1, step2 = _status(mail_settings, campaign_id)
    assert (step1["unsubscribed"], step2["audience"], step2["unsubscribed"]) == (1, 1, 0)


def test_an_unsubscribe_skips_a_message_already_queued(mail_settings, smtp_server, tmp_path):
    add_leads(mail_settings, 1)
    campaign_id = launched_campaign(mail_settings, tmp_path / "c", at=MONDAY_10)
    with session_scope(mail_settings) as session:
        claim = UnsubscribeClaim(email="owner0@shop0.example", lead_id=1, campaign_id=campaign_id)
        assert record_unsubscribe(claim, method="form", now=MONDAY_10, session=session) == 1
    assert _tick(mail_settings, MONDAY_10) == []
    assert smtp_server.received == []
    assert _status(mail_settings, campaign_id)[0]["skipped"] == 1


def test_metrics_and_the_daily_rollup_count_what_happened(mail_settings, smtp_server, tmp_path):
    add_leads(mail_settings, 2)
    campaign_id = launched_campaign(mail_settings, tmp_path / "c", at=MONDAY_10)
    _tick(mail_settings, MONDAY_10)
    with session_scope(mail_settings) as session:
        assert update_metrics(now=MONDAY_10, session=session) == 2
        assert daily_rollup(MONDAY_10, session=session) == 1
        assert daily_rollup(MONDAY_10, session=session) == 1  # rewriting a day is idempotent
    with session_scope(mail_settings) as session:
        stats = session.get(CampaignStepStats, 1)
        [day] = session.exec(select(CampaignDaily)).all()
    assert (stats.campaign_id, stats.audience, stats.sent) == (campaign_id, 2, 2)
    assert (day.day, day.sent, day.failed) == ("2026-11-23", 2, 0)


def test_due_progress_counts_only_messages_already_due(mail_settings, smtp_server, tmp_path):
    add_leads(mail_settings, 2)
    campaign_id = launched_campaign(mail_settings, tmp_path / "c", at=MONDAY_10)
    with session_scope(mail_settings) as session:
        assert due_progress(campaign_id, now=MONDAY_10 - timedelta(hours=1), session=session) == (0, 0)
        assert due_progress(campaign_id, now=MONDAY_10, session=session) == (0, 2)
    _tick(mail_settings, MONDAY_10)
    with session_scope(mail_settings) as session:
        assert due_progress(campaign_id, now=MONDAY_10 + timedelta(days=1), session=session) == (2, 2)
        assert due_progress(campaign_id, now=MONDAY_10 + timedelta(days=3), session=session) == (2, 2)
    _tick(mail_settings, MONDAY_10 + timedelta(days=3))  # writes and sends step 2
    with session_scope(mail_settings) as session:
        assert due_progress(campaign_id, now=MONDAY_10 + timedelta(days=3), session=session) == (4, 4)
