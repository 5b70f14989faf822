"""Riding out a Redis outage: retry with capped backoff, say so once, say when it ends.

A worker must outlive a Redis restart or stall of any length and resume on
its own. Dramatiq's consumer threads instead log a CRITICAL line per queue
every few seconds and drop the delayed messages they hold, and its ack loop
warns per message every 5 s. In leadq every thread of a process that talks
to Redis shares one ``Outage``: the thread that first fails opens it (one
line), the first call that succeeds after it closes it (one line), and the
threads in between wait quietly.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: What an unreachable or stalled Redis raises (BusyLoadingError, a Redis
#: still loading its AOF after a restart, is a ConnectionError).
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)
FIRST_BACKOFF = 0.05
#: Longest wait between two attempts: how late work resumes after Redis is back.
MAX_BACKOFF = 2.0


def backoff(attempt: int) -> float:
    """Seconds before retry number ``attempt`` (1-based): doubling, capped, jittered."""
    return min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


class Outage:
    """One process's view of whether Redis is reachable, shared by its threads.

    ``level`` is the level of the two lines: the supervisor speaks for its host
    at WARNING/INFO, its worker processes see the same outage and log it at
    DEBUG, so one restart is one WARNING and one INFO line in the journal.
    """

    def __init__(self, *, level: int = logging.WARNING) -> None:
        self.level = level
        self.since: float | None = None
        self.recovered_at = float("-inf")
        #: When Redis last came back from an outage or a stall (time.monotonic()).
        self.disturbed_at = float("-inf")
        self._lock = threading.Lock()

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def failed(self, error: Exception, *, started: float) -> None:
        """Record a failed call that began at ``started`` (time.monotonic())."""
        with self._lock:
            # A call that began before the last recovery belongs to that outage.
            if self.since is not None or started < self.recovered_at:
                return
            self.since = time.monotonic()
        logger.log(
            self.level,
            "Redis unreachable (%s: %s); retrying every %.0f s at most, work resumes on its own",
            type(error).__name__,
            error,
            MAX_BACKOFF,
        )

    def succeeded(self) -> None:
        if self.since is None:  # the common case, without taking the lock
            return
        with self._lock:
            if self.since is None:
                return
            lasted, self.since = time.monotonic() - self.since, None
            self.recovered_at = self.disturbed_at = time.monotonic()
        logger.log(max(logging.DEBUG, self.level - 10), "Redis reachable again after %.1f s", lasted)

    def stalled(self) -> None:
        """Record a call that succeeded but took far too long (a paused or overloaded Redis)."""
        self.disturbed_at = time.monotonic()

    def call(self, fn: Callable[[], T], *, give_up: Callable[[], bool] | None = None) -> T:
        """``fn()``, retried until Redis answers (or ``give_up()`` says to stop, re-raising)."""
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                result = fn()
            except REDIS_DOWN as error:
                self.failed(error, started=started)
                if give_up is not None and give_up():
                    raise
                attempt += 1
                time.sleep(backoff(attempt))
                continue
            self.succeeded()
            return result
