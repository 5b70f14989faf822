"""Distributed rate limits that defer a job instead of failing it.

Built on Dramatiq's ``WindowRateLimiter`` over the broker's rate-limiter
backend (Redis for workers, memory when embedded), so every worker process
shares one budget per key. A job over the limit raises ``Deferred``: it is
re-enqueued for the next window and keeps all of its retries.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

from dramatiq.rate_limits import WindowRateLimiter

from leadq.core.broker import current_runtime
from leadq.errors import Deferred


def _limiter(key: str, limit: int, per: float) -> WindowRateLimiter:
    runtime = current_runtime()
    settings = runtime.settings
    window = max(1, math.ceil(per))
    name = f"{settings.namespace}:ratelimit:{key}"
    return WindowRateLimiter(runtime.rate_limiter_backend, name, limit=limit, window=window)


def try_acquire(key: str, *, limit: int, per: float = 1.0) -> bool:
    """Take one slot of ``limit`` per ``per`` seconds (whole-second windows) if free."""
    with _limiter(key, limit, per).acquire(raise_on_failure=False) as acquired:
        return acquired


def next_window_delay_ms(per: float) -> int:
    """When to try again: the window slides by whole seconds, so a slot can free
    at the next second; waiters are spread over the window so they do not all
    come back at once."""
    window = max(1, math.ceil(per))
    to_next_second = 1 - (time.time() % 1)
    return int((to_next_second + random.uniform(0, window - 1)) * 1000) + random.randint(5, 100)


@contextmanager
def rate_limit(key: str, *, limit: int, per: float = 1.0) -> Iterator[None]:
    """Run the block within the limit, or raise ``Deferred`` to run the job later."""
    if not try_acquire(key, limit=limit, per=per):
        raise Deferred(f"rate limit {limit}/{per:g}s reached for {key}", delay=next_window_delay_ms(per))
    yield
