"""One campaign whose stored data cannot advance never stalls the others' follow-ups."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from leadq.campaign.models import CampaignStep
from leadq.core.enqueue import send
from leadq.core.inline import run_until_idle
from leadq.core.jobs import get_job
from leadq.db import session_scope
from leadq.mail.models import OutboundMessage
from tests.campaign_factory import add_leads, launched_campaign

TWO_STEPS_NO_DELAY = (
    '[[steps]]\ntemplate = "intro.toml"\n\n[[steps]]\ntemplate = "follow-up.toml"\ndelay_days = 0\n'
)


def _sent_per_campaign(settings) -> dict[tuple[int, int], int]:
    with session_scope(settings) as session:
        rows = session.exec(
            select(OutboundMessage.campaign_id, OutboundMessage.step_number, OutboundMessage.state)
        )
        counts: dict[tuple[int, int], int] = {}
        for campaign_id, step, state in rows:
            if state == "sent":
                counts[(campaign_id, step)] = counts.get((campaign_id, step), 0) + 1
        return counts


def test_a_campaign_with_an_infinite_delay_in_the_database_is_reported_and_the_others_advance(
    mail_settings, smtp_server, tmp_path, caplog
):
    from leadq.actors.campaign import process_due_campaign_steps

    add_leads(mail_settings, 2)
    now = datetime.now(UTC) - timedelta(minutes=1)
    everyday = "0, end = 24"
    bad = launched_campaign(
        mail_settings, tmp_path / "bad", name="Bad", at=now, hours=everyday, steps=TWO_STEPS_NO_DELAY
    )
    good = launched_campaign(
        mail_settings, tmp_path / "good", name="Good", at=now, hours=everyday, steps=TWO_STEPS_NO_DELAY
    )
    # First pass: step 1 of both campaigns goes out.
    send(process_due_campaign_steps)
    run_until_idle(timeout=30)
    assert _sent_per_campaign(mail_settings) == {(bad, 1): 2, (good, 1): 2}

    # What the file check now refuses, written straight into the database (an older
    # leadq stored it, or someone edited the row).
    with session_scope(mail_settings) as session:
        session.execute(
            update(CampaignStep)
            .where(CampaignStep.campaign_id == bad, CampaignStep.number == 2)
            .values(delay_days=float("inf"))
        )
    with caplog.at_level(logging.ERROR, logger="leadq.actors.campaign"):
        job_id = send(process_due_campaign_steps)
        run_until_idle(timeout=30)

    assert _sent_per_campaign(mail_settings) == {(bad, 1): 2, (good, 1): 2, (good, 2): 2}
    job = get_job(mail_settings, job_id)
    assert job.state == "dead" and job.error_type == "PermanentError"
    assert f"campaign {bad} 'Bad': OverflowError" in job.error_message and "'Good'" not in job.error_message
    assert any(f"cannot advance campaign {bad} 'Bad'" in r.getMessage() for r in caplog.records)
