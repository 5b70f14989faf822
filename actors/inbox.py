"""Inbox actor (queue "email"): read replies, bounces and complaints from the IMAP folder."""

from __future__ import annotations

import logging

from leadq.core.broker import actor, current_runtime
from leadq.core.periodic import CronSetting
from leadq.inbox.imap import poll_once

from .ai import model_call

logger = logging.getLogger(__name__)


@actor(
    queue="email",
    max_retries=3,
    time_limit=600,
    min_backoff=30,
    max_backoff=600,
    periodic=CronSetting("imap_poll_schedule"),
)
def poll_inbox() -> dict:
    """Record and act on every message new in the IMAP folder since the last poll.

    Idempotent: each message is recorded with its (mailbox, folder,
    UIDVALIDITY, UID) under a unique constraint, in the transaction that acts
    on it, so a retried or concurrent poll acts on nothing twice. Does nothing
    while LEADQ_IMAP_HOST is unset. With LEADQ_AI_ENGINE=openai a person's
    reply is read by the model, under the AI budget and rates every worker shares.
    """
    settings = current_runtime().settings
    if not settings.imap_host:
        return {"skipped": "LEADQ_IMAP_HOST not set"}
    result = poll_once(settings, model_call=model_call())
    if result.recorded:
        logger.info("inbox: %d new message(s): %s", result.recorded, dict(result.kinds))
    return {"seen": result.seen, "recorded": result.recorded, "kinds": dict(result.kinds)}
