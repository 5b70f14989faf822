"""Retries by error family: transient errors back off, permanent ones never retry.

Dramatiq's ``Retries`` treats every exception alike and counts a rate-limit
hit as a failed attempt, so a job that never failed can reach the dead
letters. Here a ``Deferred`` job is re-enqueued after its delay without
spending a retry, ``TransientError.retry_after`` sets the least backoff, and
the actor's ``throws`` (``PermanentError`` by default) fail at once.
"""

from __future__ import annotations

import time
import traceback

from dramatiq.common import compute_backoff
from dramatiq.middleware import Retries

from leadq.errors import Deferred, TransientError


class TypedRetries(Retries):
    """Dramatiq's Retries, aware of leadq's error families."""

    def after_process_message(self, broker, message, *, result=None, exception=None):
        if exception is None:
            return
        if isinstance(exception, Deferred):
            # Not a failure: run again later, same attempt, same retry budget.
            deferrals = message.options.get("deferrals", 0) + 1
            broker.enqueue(message.copy(options={"deferrals": deferrals}), delay=exception.delay)
            return

        actor = broker.get_actor(message.actor_name)
        throws = message.options.get("throws") or actor.options.get("throws")
        if throws and isinstance(exception, throws):
            message.fail()
            return

        retries = message.options.setdefault("retries", 0)
        max_retries = message.options.get("max_retries", actor.options.get("max_retries", self.max_retries))
        if max_retries is not None and retries >= max_retries:
            self.logger.warning("Retries exceeded for message %r.", message.message_id)
            message.fail()
            return

        message.options["retries"] = retries + 1
        message.options["attempt"] = message.options.get("attempt", 1) + 1
        message.options["traceback"] = traceback.format_exc(limit=30)
        message.options["requeue_timestamp"] = int(time.time() * 1000)
        min_backoff = message.options.get("min_backoff", actor.options.get("min_backoff", self.min_backoff))
        max_backoff = message.options.get("max_backoff", actor.options.get("max_backoff", self.max_backoff))
        _, delay = compute_backoff(retries, factor=min_backoff, max_backoff=max_backoff)
        retry_after = (
            getattr(exception, "retry_after", None) if isinstance(exception, TransientError) else None
        )
        if retry_after is not None:
            delay = max(delay, int(retry_after * 1000))
        self.logger.warning(
            "Retrying %s in %d ms after %s: %s", message, delay, type(exception).__name__, exception
        )
        broker.enqueue(message, delay=delay)
