"""Actors for the core's integration tests; workers load them via LEADQ_ACTOR_MODULES.

Each records what happened in Redis (lists named after the namespace) so the
test process can count runs across worker processes.
"""

from __future__ import annotations

import os
import re
import time

import redis
from dramatiq.middleware import CurrentMessage

from leadq.core.broker import actor, current_runtime
from leadq.core.checkpoint import checkpoint
from leadq.errors import Deferred, PermanentError, TransientError


def _client() -> redis.Redis:
    return redis.Redis.from_url(current_runtime().settings.redis_url)


def _log(kind: str, value: str) -> None:
    _client().rpush(f"{current_runtime().settings.namespace}:test:{kind}", f"{value}|{time.time()}")


@actor(queue="maintenance", max_retries=0)
def record(tag: str) -> None:
    _log("runs", tag)


@actor(queue="maintenance", max_retries=3, min_backoff=0.05, max_backoff=0.2)
def flaky(tag: str, failures: int) -> None:
    runs = _client().incr(f"{current_runtime().settings.namespace}:test:flaky:{tag}")
    if runs <= failures:
        raise TransientError(f"try {runs} failed", retry_after=0.1)
    _log("runs", tag)


@actor(queue="maintenance", max_retries=5)
def broken(tag: str) -> None:
    _log("runs", tag)
    raise PermanentError(f"listing {tag} cannot be parsed")


@actor(queue="maintenance", max_retries=0, time_limit=0.5)
def too_slow(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)


@actor(queue="maintenance", max_retries=0, time_limit=60)
def long_loop(tag: str, seconds: float) -> None:
    _log("started", tag)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        checkpoint()
        time.sleep(0.05)
    _log("runs", tag)


# Catastrophic backtracking: each extra "a" about doubles the work, and the regex
# engine holds the GIL throughout, so no thread of this process can run.
_BACKTRACKING = re.compile(r"^(a+)+$")


@actor(queue="maintenance", max_retries=0, time_limit=120)
def hold_gil(tag: str, seconds: float) -> None:
    """Hold the GIL for at least `seconds` in a single call into the regex engine.

    A fixed input size held it 4 s on one machine and 12 s on another, so the
    input grows until one match has lasted long enough on this machine.
    """
    _log("started", tag)
    size = 18
    while True:
        started = time.perf_counter()
        _BACKTRACKING.match("a" * size + "b")
        if time.perf_counter() - started >= seconds:
            break
        size += 1
    _log("runs", tag)


@actor(queue="scrape", max_retries=0)
def sleepy(tag: str, seconds: float) -> None:
    _log("started", tag)
    time.sleep(seconds)
    _log("runs", tag)


@actor(queue="maintenance", max_retries=0)
def put_off(tag: str) -> None:
    """Deferred once (as a rate limit would), then done."""
    if _client().incr(f"{current_runtime().settings.namespace}:test:put_off:{tag}") == 1:
        raise Deferred("rate limit reached", delay=50)
    _log("runs", tag)


#: Where ``tally`` appends: a file, so the runs are counted even while the
#: broker's Redis is down or paused (outage tests).
TALLY_FILE = "SAMPLE_TALLY_FILE"


@actor(queue="scrape", max_retries=0)
def tally(seconds: float) -> None:
    """Appends ``job id|redis message id`` per run: a redelivery repeats both, a
    duplicate enqueue repeats only the job id."""
    time.sleep(seconds)
    message = CurrentMessage.get_current_message()
    line = f"{message.message_id}|{message.options['redis_message_id']}\n"
    fd = os.open(os.environ[TALLY_FILE], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, line.encode())  # one O_APPEND write: lines never interleave
    finally:
        os.close(fd)
