"""An actor for the several-hosts test: records which host started and finished each run.

Workers load it through LEADQ_ACTOR_MODULES; the lists it writes in Redis let
the test tell an interrupted run (started, never finished, on the killed
host) from a job that was only prefetched there.
"""

from __future__ import annotations

import time

import redis

from leadq.core.broker import actor, current_runtime


def record(kind: str, tag: str) -> None:
    settings = current_runtime().settings
    client = redis.Redis.from_url(settings.redis_url)
    client.rpush(f"{settings.namespace}:test:{kind}", f"{tag}|{settings.host_id}|{time.time()}")


@actor(queue="scrape", max_retries=0, time_limit=60)
def nap(tag: str, seconds: float) -> None:
    """Idempotent as far as the test needs: each run only appends to the run log."""
    record("started", tag)
    time.sleep(seconds)
    record("finished", tag)


@actor(queue="ai", max_retries=0)
def ping(tag: str) -> None:
    """Shows a host's worker is up: only the host that consumes the "ai" queue runs it."""
    record("pings", tag)
