"""Caps: per-recipient-domain rate limit, daily caps, retrying transient failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from leadq.core.broker import setup_broker
from leadq.db import session_scope
from leadq.errors import Deferred, TransientError
from leadq.mail.ledger import mark_stale_sending, take_retryable
from leadq.mail.models import OutboundMessage
from tests.campaign_factory import add_leads, deliver_now, due_rows, launched_campaign
from tests.mail_fixtures import mail_settings_for

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _setup(tmp_path, smtp_server, leads: int, *, extra: str = "", **overrides):
    settings = mail_settings_for(tmp_path / "data", smtp_server.port, **overrides)
    setup_broker(settings)
    add_leads(settings, leads)
    launched_campaign(settings, tmp_path / "c", at=NOON, extra=extra)
    return settings, due_rows(settings, NOON)


def _send(settings, row_id, now=NOON):
    return deliver_now(settings, row_id, now)


def test_a_recipient_domain_over_its_cap_is_deferred_while_other_domains_go_out(tmp_path, smtp_server):
    # Leads 0 and 7 share shop0.example; lead 1 is on shop1.example.
    settings, rows = _setup(tmp_path, smtp_server, 8, email_domain_rate_limit=1, email_rate_window=60)
    assert _send(settings, rows[0]) == "sent"
    with pytest.raises(Deferred, match="email:domain:shop0.example"):
        _send(settings, rows[7])
    assert _send(settings, rows[1]) == "sent"


def test_the_daily_cap_defers_the_rest_until_tomorrow(tmp_path, smtp_server):
    settings, rows = _setup(tmp_path, smtp_server, 3, email_daily_limit=2)
    assert [_send(settings, row) for row in rows[:2]] == ["sent", "sent"]
    with pytest.raises(Deferred, match="daily sending cap") as deferred:
        _send(settings, rows[2])
    assert deferred.value.delay == 12 * 3600 * 1000 + 1000
    assert _send(settings, rows[2], now=NOON + timedelta(days=1)) == "sent"


def test_a_campaigns_daily_cap_counts_only_its_own_messages(tmp_path, smtp_server):
    settings, rows = _setup(tmp_path, smtp_server, 2, extra="daily_cap = 1")
    assert _send(settings, rows[0]) == "sent"
    with pytest.raises(Deferred, match="daily cap reached"):
        _send(settings, rows[1])


def test_transient_failures_whose_job_gave_up_are_picked_up_again(tmp_path, smtp_server):
    settings, [row] = _setup(tmp_path, smtp_server, 1)
    smtp_server.refuse["owner0@shop0.example"] = "421 4.3.2 Busy"
    with pytest.raises(TransientError):
        _send(settings, row)
    with session_scope(settings) as session:
        assert take_retryable(now=NOON + timedelta(minutes=5), session=session) == []
        assert take_retryable(now=NOON + timedelta(minutes=11), session=session) == [row]
    smtp_server.refuse.clear()
    assert _send(settings, row, now=NOON + timedelta(minutes=11)) == "sent"


def test_a_row_stuck_in_sending_long_after_its_job_is_gone_becomes_unknown(tmp_path, smtp_server):
    settings, [row] = _setup(tmp_path, smtp_server, 1)
    with session_scope(settings) as session:
        session.execute(update(OutboundMessage).values(state="sending", claimed_at=NOON))
    with session_scope(settings) as session:
        assert mark_stale_sending(now=NOON + timedelta(minutes=10), session=session) == 0
        assert mark_stale_sending(now=NOON + timedelta(minutes=31), session=session) == 1
    assert _send(settings, row, now=NOON + timedelta(hours=1)) == "unknown"
    assert smtp_server.received == []
