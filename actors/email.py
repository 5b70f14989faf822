"""Email actors (queue "email"): send one outreach message; retry the ones whose jobs gave up."""

from __future__ import annotations

from datetime import UTC, datetime

from periodiq import cron

from leadq.campaign.ai_drafts import prepare_body
from leadq.campaign.delivery import deliver
from leadq.core.broker import actor, current_runtime
from leadq.core.enqueue import send_many
from leadq.db import session_scope
from leadq.mail.ledger import mark_stale_sending, take_retryable
from leadq.mail.limits import acquire_limits
from leadq.mail.testmode import shared_transport

from .ai import model_call


# 300 s: an AI step's draft may take a model call and its one repair (LEADQ_AI_TIMEOUT each).
@actor(queue="email", max_retries=8, time_limit=300, min_backoff=30, max_backoff=3600)
def send_outbound_email(message_row_id: int) -> None:
    """Send one outbound-message row at most once.

    Idempotent: the row's state machine decides — a sent, skipped or failed
    row is left alone, a row found mid-send (its worker died) becomes
    ``unknown`` and is not resent. Window, caps and rate limits defer the job
    without spending a retry; SMTP 4xx and dropped connections are retried.
    """
    settings = current_runtime().settings
    now = datetime.now(UTC)
    # A `writer = "ai"` step's body is drafted and stored first, outside the send's transactions;
    # over the AI budget or rate this defers the job, and a retry finds the stored body.
    prepare_body(message_row_id, settings=settings, call=model_call(), now=now)
    deliver(
        message_row_id,
        settings=settings,
        transport=shared_transport(settings),
        now=now,
        acquire=acquire_limits,
    )


@actor(queue="email", max_retries=3, time_limit=300, periodic=cron("*/15 * * * *"), misfire_grace_time=None)
def retry_failed_emails() -> None:
    """Send again the transient failures whose jobs gave up; mark rows stuck mid-send unknown.

    Idempotent: only rows still failed-transient are picked, and the sender
    claims each row before sending.
    """
    now = datetime.now(UTC)
    with session_scope(current_runtime().settings) as session:
        mark_stale_sending(now=now, session=session)
        ids = take_retryable(now=now, session=session)
    if ids:
        send_many(send_outbound_email, [((row_id,), {}) for row_id in ids])
