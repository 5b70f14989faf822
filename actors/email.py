"""Email actors (queue "email"): send one outreach message."""

from __future__ import annotations

from datetime import UTC, datetime

from leadq.core.broker import actor, current_settings
from leadq.mail.delivery import deliver
from leadq.mail.limits import acquire_limits
from leadq.mail.testmode import shared_transport


@actor(queue="email", max_retries=8, time_limit=120, min_backoff=30, max_backoff=3600)
def send_outbound_email(message_row_id: int) -> None:
    """Send one outbound-message row at most once.

    Idempotent: the row's state machine decides — a sent, skipped or failed
    row is left alone, a row found mid-send (its worker died) becomes
    ``unknown`` and is not resent. Window, caps and rate limits defer the job
    without spending a retry; SMTP 4xx and dropped connections are retried.
    """
    settings = current_settings()
    deliver(
        message_row_id,
        settings=settings,
        transport=shared_transport(settings),
        now=datetime.now(UTC),
        acquire=acquire_limits,
    )
