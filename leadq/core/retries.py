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
from dramatiq.middleware import CurrentMessage, Retries

from leadq.errors import Deferred, TransientError

#: Dramatiq's own default, for an actor declared without ``max_retries``.
DEFAULT_MAX_RETRIES = Retries().max_retries


def _thrown(broker, message, exception: BaseException) -> bool:
    """``exception`` is one the actor declares it throws: an expected ending, never retried."""
    throws = message.options.get("throws") or broker.get_actor(message.actor_name).options.get("throws")
    return bool(throws) and isinstance(exception, throws)


def _retries_left(broker, message, default_max_retries: int | None) -> bool:
    actor = broker.get_actor(message.actor_name)
    max_retries = message.options.get("max_retries", actor.options.get("max_retries", default_max_retries))
    return max_retries is None or message.options.get("retries", 0) < max_retries


def is_final_attempt(
    broker, exception: BaseException, message=None, *, default_max_retries: int | None = DEFAULT_MAX_RETRIES
) -> bool:
    """Whether ``exception`` ends the job ``message`` (default: the one this thread runs) for good.

    A deferral never does; an error the actor throws (``PermanentError``,
    ``Cancelled``) always does; any other error does on the last allowed
    attempt. Outside a worker nothing retries, so every error is final.
    The retry middleware decides with this, and actors that count their
    failures (a scrape run's errors) ask it rather than re-deriving it.
    """
    if isinstance(exception, Deferred):
        return False
    message = message if message is not None else CurrentMessage.get_current_message()
    if message is None:
        return True
    return _thrown(broker, message, exception) or not _retries_left(broker, message, default_max_retries)


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

        if is_final_attempt(broker, exception, message, default_max_retries=self.max_retries):
            if not _thrown(broker, message, exception):
                self.logger.warning("Retries exceeded for message %r.", message.message_id)
            message.fail()
            return

        actor = broker.get_actor(message.actor_name)
        retries = message.options.setdefault("retries", 0)

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
