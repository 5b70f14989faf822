"""What the maintenance actors do: health checks and stale running jobs.

Plain functions on values (settings, a Redis client, a session) so they are
tested against real Redis and SQLite without a worker; ``actors/maintenance.py``
only calls them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

import redis
from sqlalchemy import text
from sqlmodel import Session, col, select

from leadq.core.history import event
from leadq.core.models import Job
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


def stale_running_jobs(*, session: Session, live_workers: Iterable[str], started_before: float) -> list[Job]:
    """Jobs history calls running, started before the cutoff, whose worker has no heartbeat.

    Inline (embedded) jobs have no broker heartbeat and are left alone.
    """
    live = set(live_workers)
    query = select(Job).where(Job.state == "running", col(Job.started_at) < started_before)
    return [
        job
        for job in session.exec(query).all()
        if job.worker and not job.worker.startswith("inline:") and job.worker not in live
    ]


@dataclass(frozen=True)
class StaleOutcome:
    requeued: list[str]
    failed: list[str]


def stored_job_ids(client: redis.Redis, namespace: str, queues: Iterable[str]) -> set[str]:
    """Job ids of the messages Redis still holds for ``queues`` (ready, delayed or unacked).

    Dramatiq keys each queue's ``.msgs`` hash by a Redis-side id, not the job
    id, so the payloads are read (with HSCAN, which never blocks Redis).
    """
    found = set()
    for queue in queues:
        for name in (queue, f"{queue}.DQ"):
            for _, payload in client.hscan_iter(f"{namespace}:{name}.msgs", count=500):
                found.add(json.loads(payload)["message_id"])
    return found


def settle_stale_jobs(
    jobs: list[Job], *, client: redis.Redis, namespace: str, reap: Callable[[str], int], now: float
) -> tuple[StaleOutcome, list[dict]]:
    """Give dead workers' messages back to their queues; a job whose message is gone failed.

    ``reap(worker_id)`` requeues a dead worker's unacked messages (the broker's
    reap script). A job whose message Redis still holds will run again; one
    whose message is gone was lost with its worker. Returns the outcome and
    the history events to record.
    """
    for worker in sorted({job.worker for job in jobs if job.worker}):
        reap(worker)
    stored = stored_job_ids(client, namespace, sorted({job.queue for job in jobs}))
    requeued, failed, events = [], [], []
    for job in jobs:
        reason = f"worker {job.worker} stopped sending heartbeats"
        if job.id in stored:
            requeued.append(job.id)
            state, fields = "enqueued", {"error_message": f"{reason}; requeued"}
        else:
            failed.append(job.id)
            state, fields = "failed", {"error_message": f"{reason}; its message is gone", "finished_at": now}
        events.append(event(job.id, state, at=now, attempt=job.attempt, error_type="WorkerLost", **fields))
    return StaleOutcome(requeued, failed), events
