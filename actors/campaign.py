"""Campaign actors (queue "campaign"): the periodic work that moves campaigns forward.

Each declares its own cron (periodiq's ``periodic=``), fired by `leadq scheduler`:
due steps every minute, metrics every 5 minutes, analytics at 01:00.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from periodiq import cron

from leadq.campaign.sequencer import process_due
from leadq.campaign.stats import daily_rollup, update_metrics
from leadq.core.broker import actor, current_runtime
from leadq.core.enqueue import send_many
from leadq.db import session_scope
from leadq.errors import PermanentError

from .email import send_outbound_email

logger = logging.getLogger(__name__)


@actor(queue="campaign", max_retries=3, time_limit=300, periodic=cron("* * * * *"), misfire_grace_time=None)
def process_due_campaign_steps() -> None:
    """Write due follow-up rows and hand every due message to the email workers.

    Idempotent: a row is handed out once (its ``enqueued_at`` is set in the same
    transaction); a second handout of the same row would be a no-op anyway.
    A campaign that cannot advance is logged, and after every other campaign's
    messages are handed out the job fails (not retried) naming it, so job
    history and the dead letters say which campaign and why until it is fixed
    or paused.
    """
    with session_scope(current_runtime().settings) as session:
        advance = process_due(now=datetime.now(UTC), session=session)
    if advance.due:
        send_many(send_outbound_email, [((row_id,), {}) for row_id in advance.due])
    for failure in advance.failures:
        logger.error("cannot advance %s (fix it, or pause it with `leadq campaign pause`)", failure)
    if advance.failures:
        raise PermanentError(
            f"{len(advance.failures)} campaign(s) could not advance: " + "; ".join(advance.failures)
        )


@actor(queue="campaign", max_retries=3, time_limit=300, periodic=cron("*/5 * * * *"))
def update_campaign_metrics() -> None:
    """Refresh the per-step counts stored for dashboards. Idempotent: a recount."""
    with session_scope(current_runtime().settings) as session:
        update_metrics(now=datetime.now(UTC), session=session)


@actor(queue="campaign", max_retries=3, time_limit=600, periodic=cron("0 1 * * *"), misfire_grace_time=None)
def daily_campaign_analytics(day: str | None = None) -> None:
    """Roll up one UTC day (default yesterday). Idempotent: the day's rows are rewritten."""
    when = datetime.fromisoformat(day).replace(tzinfo=UTC) if day else datetime.now(UTC) - timedelta(days=1)
    with session_scope(current_runtime().settings) as session:
        daily_rollup(when, session=session)
