"""Actors for scripts/bench-core: the same two jobs on bare Dramatiq and on leadq.

Loaded by `dramatiq bench_actors:bare_broker` (bare) and through
LEADQ_ACTOR_MODULES=["bench_actors"] (leadq); BENCH_STACK says which.
"""

from __future__ import annotations

import os
import time

import dramatiq
import redis

STACK = os.environ.get("BENCH_STACK", "leadq")
REDIS_URL = os.environ["BENCH_REDIS_URL"]
_client = redis.Redis.from_url(REDIS_URL)

if STACK == "bare":
    from dramatiq.brokers.redis import RedisBroker

    bare_broker = RedisBroker(url=REDIS_URL, namespace="bench-bare")
    dramatiq.set_broker(bare_broker)

    def declare(fn):
        return dramatiq.actor(fn, queue_name="default", max_retries=0)

else:
    from leadq.core.broker import actor

    def declare(fn):
        return actor(fn, queue="maintenance", max_retries=0)


@declare
def noop() -> None:
    """Does nothing: measures the engine's own cost per job."""


@declare
def stamp(sent_at: float) -> None:
    """Records how long the job waited between send and start."""
    started = time.time()
    _client.rpush(f"bench:{STACK}:latency", started - sent_at)
