"""Test-mode sends are recorded as `test`: a dry run uses up no real send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from leadq.campaign.models import Campaign
from leadq.campaign.service import create_campaign, launch_campaign
from leadq.db import session_scope
from leadq.errors import UserError
from leadq.mail.models import OutboundMessage
from tests.campaign_factory import add_leads, deliver_now, due_rows, write_campaign

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _tick(settings, now) -> list[str]:
    return [deliver_now(settings, row_id, now) for row_id in due_rows(settings, now)]


def _create(settings, folder, *, name: str, extra: str = "", launch: bool = True) -> int:
    with session_scope(settings) as session:
        campaign = create_campaign(
            write_campaign(folder, name=name, extra=extra), now=MONDAY_10, session=session
        )
        if launch:
            launch_campaign(campaign, settings=settings, at=MONDAY_10, now=MONDAY_10, session=session)
        return campaign.id


def _launch(settings, campaign_id: int) -> int:
    with session_scope(settings) as session:
        campaign = session.get(Campaign, campaign_id)
        return launch_campaign(campaign, settings=settings, at=MONDAY_10, now=MONDAY_10, session=session)


def _states(settings, campaign_id: int) -> list[tuple[int, str]]:
    with session_scope(settings) as session:
        rows = session.exec(
            select(OutboundMessage.step_number, OutboundMessage.state)
            .where(OutboundMessage.campaign_id == campaign_id)
            .order_by(OutboundMessage.id)
        )
        return list(rows)


def test_a_dry_run_is_recorded_as_test_and_a_real_launch_afterwards_still_sends(
    mail_settings, smtp_server, tmp_path
):
    dry = mail_settings.model_copy(update={"email_test_mode": True, "email_test_dir": tmp_path / "outbox"})
    real = mail_settings.model_copy(update={"email_daily_limit": 3})
    add_leads(mail_settings, 3)
    campaign_id = _create(dry, tmp_path / "c", name="Plumbers")

    assert _tick(dry, MONDAY_10) == ["test"] * 3
    assert _tick(dry, MONDAY_10 + timedelta(days=3)) == ["test"] * 3  # follow-ups are dry-run too
    assert smtp_server.received == [] and len(list((tmp_path / "outbox").glob("*.eml"))) == 6

    # The dry run contacted nobody: a campaign for leads not contacted in 90 days reaches all
    # three, and today's three test sends used none of the daily cap of three.
    other = _create(real, tmp_path / "o", name="Others", extra="", launch=False)
    with session_scope(real) as session:
        campaign = session.get(Campaign, other)
        campaign.audience = {**campaign.audience, "not_contacted_days": 90}
    assert _launch(real, other) == 3
    assert _tick(real, MONDAY_10 + timedelta(days=3, minutes=1)) == ["sent"] * 3

    # The dry-run campaign itself launches again for real, from step 1.
    assert _launch(real, campaign_id) == 3
    assert _tick(real, MONDAY_10 + timedelta(days=4)) == ["sent"] * 3
    assert _states(real, campaign_id) == [(1, "sent")] * 3
    assert len(smtp_server.received) == 6


def test_a_follow_up_written_during_a_dry_run_never_goes_to_a_lead_for_real(
    mail_settings, smtp_server, tmp_path
):
    dry = mail_settings.model_copy(update={"email_test_mode": True, "email_test_dir": tmp_path / "outbox"})
    add_leads(mail_settings, 2)
    campaign_id = _create(dry, tmp_path / "c", name="Plumbers")
    assert _tick(dry, MONDAY_10) == ["test"] * 2
    due_rows(dry, MONDAY_10 + timedelta(days=3))  # step 2 rows written while still in test mode

    later = MONDAY_10 + timedelta(days=3, minutes=1)
    with session_scope(mail_settings) as session:
        queued = session.exec(select(OutboundMessage.id).where(OutboundMessage.state == "queued")).all()
    assert [deliver_now(mail_settings, row_id, later) for row_id in queued] == ["skipped"] * 2
    assert smtp_server.received == []
    assert _states(mail_settings, campaign_id) == [(1, "test"), (1, "test"), (2, "skipped"), (2, "skipped")]


def test_a_campaign_that_really_sent_cannot_be_launched_again(mail_settings, smtp_server, tmp_path):
    add_leads(mail_settings, 1)
    campaign_id = _create(mail_settings, tmp_path / "c", name="Plumbers")
    assert _tick(mail_settings, MONDAY_10) == ["sent"]
    with pytest.raises(UserError, match="already launched"):
        _launch(mail_settings, campaign_id)
