"""What the health-check actor does: ping Redis and the database, keep the result.

Plain functions on values (settings, a Redis client, a session) so they are
tested against real Redis and SQLite without a worker; ``actors/maintenance.py``
only calls them. Stuck jobs are the engine's (``leadq.core.stuck``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import redis
from sqlalchemy import text

from leadq.db import get_engine
from leadq.settings import Settings


@dataclass(frozen=True)
class Health:
    at: float
    redis_ok: bool | None
    redis_ms: float | None
    database_ok: bool
    database_ms: float | None
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.database_ok and self.redis_ok is not False


def _timed(check: Callable[[], object]) -> tuple[bool, float | None, str | None]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # the point is to report any failure, not to raise it
        return False, None, f"{type(exc).__name__}: {exc}"
    return True, (time.perf_counter() - started) * 1000, None


def check_health(settings: Settings, client: redis.Redis | None) -> Health:
    """Ping Redis (when leadq uses it) and the database; never raises."""

    def query_database() -> None:
        with get_engine(settings).connect() as connection:
            connection.execute(text("SELECT 1"))

    redis_ok = redis_ms = redis_error = None
    if client is not None:
        redis_ok, redis_ms, redis_error = _timed(client.ping)
    database_ok, database_ms, database_error = _timed(query_database)
    errors = tuple(e for e in (redis_error, database_error) if e)
    return Health(time.time(), redis_ok, redis_ms, database_ok, database_ms, errors)


def health_key(namespace: str) -> str:
    return f"{namespace}:health"


def record_health(client: redis.Redis, namespace: str, health: Health) -> None:
    """Keep the latest result where `leadq top` and `leadq doctor` can read it."""
    client.set(health_key(namespace), json.dumps(asdict(health)))


def last_health(client: redis.Redis, namespace: str) -> Health | None:
    raw = client.get(health_key(namespace))
    if raw is None:
        return None
    data = json.loads(raw)
    data["errors"] = tuple(data["errors"])
    return Health(**data)
