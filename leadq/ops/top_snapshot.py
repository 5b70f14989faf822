"""What `leadq top` shows, collected in one pass: queues, workers, actors, errors, health.

Collection is separate from drawing so a test renders a frame from real
Redis and job-history data, and `leadq top --json` prints the same numbers.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from sqlmodel import Session, col, select

from leadq.core.broker import current_runtime
from leadq.core.models import Job, JobEvent
from leadq.core.queues import QueueStats, live_workers, queue_stats
from leadq.db import ensure_schema
from leadq.ops.maintenance import Health, last_health

#: Throughput and failure windows, in seconds.
WINDOWS = (60, 300, 900)
FAILED = frozenset({"failed", "dead", "retrying"})
FINISHED = FAILED | {"succeeded"}
#: The per-queue throughput history: the longest window in buckets, oldest first (six, so a
#: sparkline is no wider than the narrowest queue column that matters at 80 columns).
HISTORY_BUCKETS = 6
HISTORY_BUCKET_S = max(WINDOWS) // HISTORY_BUCKETS


@dataclass(frozen=True)
class ActorStats:
    actor: str
    #: per window (seconds): [finished attempts, failed attempts]
    windows: dict[int, tuple[int, int]]
    p50_ms: float | None
    p95_ms: float | None
    #: per window (seconds): attempts put off by a rate limit or sending window.
    #: Not failures: the job runs again later and keeps its retries.
    deferred: dict[int, int] = field(default_factory=dict)

    def per_minute(self, window: int) -> float:
        return self.windows[window][0] / (window / 60)

    def failure_rate(self, window: int) -> float | None:
        done, failed = self.windows[window]
        return failed / done if done else None


@dataclass(frozen=True)
class ErrorLine:
    at: float
    actor: str
    job_id: str
    state: str
    error: str


@dataclass(frozen=True)
class Snapshot:
    at: float
    queues: list[QueueStats]
    workers: list[str]
    actors: list[ActorStats]
    errors: list[ErrorLine]
    health: Health | None = None
    #: queue -> finished jobs per ``HISTORY_BUCKET_S`` seconds, oldest bucket first.
    throughput: dict[str, list[int]] = field(default_factory=dict)

    def asdict(self) -> dict:
        data = asdict(self)
        data["actors"] = [
            {
                "actor": a.actor,
                "p50_ms": a.p50_ms,
                "p95_ms": a.p95_ms,
                **{f"per_min_{w // 60}m": round(a.per_minute(w), 2) for w in WINDOWS},
                **{f"failure_rate_{w // 60}m": a.failure_rate(w) for w in WINDOWS},
                **{f"deferred_{w // 60}m": a.deferred.get(w, 0) for w in WINDOWS},
            }
            for a in self.actors
        ]
        return data


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (no interpolation: a p95 is a duration that happened)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def actor_stats(*, session: Session, now: float) -> list[ActorStats]:
    """Per actor: finished and failed attempts over 1/5/15 min, p50/p95 duration over 15 min."""
    since = now - max(WINDOWS)
    query = select(Job.actor, Job.state, Job.finished_at, Job.duration_ms).where(
        col(Job.finished_at) >= since, col(Job.state).in_(FINISHED)
    )
    counts: dict[str, dict[int, list[int]]] = defaultdict(lambda: {w: [0, 0] for w in WINDOWS})
    durations: dict[str, list[float]] = defaultdict(list)
    for actor, state, finished_at, duration_ms in session.exec(query).all():
        for window in WINDOWS:
            if finished_at >= now - window:
                counts[actor][window][0] += 1
                counts[actor][window][1] += state in FAILED
        if duration_ms is not None:
            durations[actor].append(duration_ms)
    deferred = deferred_counts(session=session, now=now)
    return [
        ActorStats(
            actor=actor,
            windows={w: (c[0], c[1]) for w, c in counts[actor].items()},
            p50_ms=percentile(durations[actor], 0.50),
            p95_ms=percentile(durations[actor], 0.95),
            deferred={w: deferred[actor][w] for w in WINDOWS},
        )
        for actor in sorted(counts.keys() | deferred.keys())
    ]


def deferred_counts(*, session: Session, now: float) -> dict[str, dict[int, int]]:
    """Per actor and window, attempts deferred (rate limit, sending window): job
    history records them as the job going back to ``enqueued`` with error ``Deferred``."""
    query = (
        select(Job.actor, JobEvent.at)
        .join(Job, col(Job.id) == col(JobEvent.job_id))
        .where(
            col(JobEvent.at) >= now - max(WINDOWS),
            col(JobEvent.state) == "enqueued",
            col(JobEvent.error_type) == "Deferred",
        )
    )
    counts: dict[str, dict[int, int]] = defaultdict(lambda: dict.fromkeys(WINDOWS, 0))
    for actor, at in session.exec(query).all():
        for window in WINDOWS:
            counts[actor][window] += at >= now - window
    return counts


def queue_throughput(*, session: Session, now: float) -> dict[str, list[int]]:
    """Jobs finished per queue in each of the last ``HISTORY_BUCKETS`` buckets (oldest first)."""
    since = now - HISTORY_BUCKETS * HISTORY_BUCKET_S
    query = select(Job.queue, Job.finished_at).where(
        col(Job.finished_at) >= since, col(Job.finished_at) <= now, col(Job.state).in_(FINISHED)
    )
    history: dict[str, list[int]] = defaultdict(lambda: [0] * HISTORY_BUCKETS)
    for queue, finished_at in session.exec(query).all():
        bucket = min(int((finished_at - since) // HISTORY_BUCKET_S), HISTORY_BUCKETS - 1)
        history[queue][bucket] += 1
    return dict(history)


def last_errors(*, session: Session, limit: int = 5) -> list[ErrorLine]:
    query = (
        select(Job)
        .where(col(Job.error_type).is_not(None), col(Job.state).in_(FAILED))
        .order_by(col(Job.updated_at).desc())
        .limit(limit)
    )
    return [
        ErrorLine(
            job.updated_at, job.actor, job.id, job.state, f"{job.error_type}: {job.error_message or ''}"
        )
        for job in session.exec(query).all()
    ]


def collect_snapshot(broker, *, now: float | None = None) -> Snapshot:
    """Everything on one `leadq top` frame, from Redis and job history."""
    settings = current_runtime().settings
    now = time.time() if now is None else now
    with Session(ensure_schema(settings)) as session:
        actors = actor_stats(session=session, now=now)
        errors = last_errors(session=session)
        throughput = queue_throughput(session=session, now=now)
    return Snapshot(
        at=now,
        queues=queue_stats(broker),
        workers=sorted(live_workers(broker)),
        actors=actors,
        errors=errors,
        health=last_health(broker.client, settings.namespace),
        throughput=throughput,
    )
