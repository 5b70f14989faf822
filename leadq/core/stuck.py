"""The one sweep for jobs history still calls "running" that no worker will finish.

A job can be left "running" in two ways: its worker died (its heartbeat
stopped; the broker may still hold the message and can give it back), or it
ran far past its actor's time limit (the TimeLimit middleware should have
stopped it, so its worker was lost or wedged). Either way `leadq job list`
would lie forever. ``sweep_stuck_jobs`` settles both: a dead worker's job is
requeued when Redis still holds its message, else failed; an overdue job is
failed. Plain functions on values (a broker, settings, a session) so they are
tested against real Redis and SQLite without a worker.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import redis
from sqlmodel import Session, col, select

from leadq.core.history import HistoryRecorder, event
from leadq.core.jobs import record_states
from leadq.core.models import Job
from leadq.core.queues import live_workers
from leadq.core.redis_broker import LeadqRedisBroker
from leadq.db import session_scope
from leadq.settings import Settings

#: Seconds past its time limit before a running job counts as stuck: the
#: TimeLimit middleware needs a moment to interrupt, and history is written in batches.
STUCK_GRACE = 60.0
OVERDUE_REASON = "stuck: still running past its time limit (worker lost?)"


@dataclass
class SweepOutcome:
    """Job ids the sweep gave back to their queue, and those it marked failed."""

    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def time_limits(broker, queues: Iterable[str] | None = None) -> dict[str, float]:
    """Seconds each declared actor (of ``queues``, or all) may run, for those that have a limit."""
    wanted = None if queues is None else set(queues)
    return {
        name: declared.options["time_limit"] / 1000
        for name, declared in broker.actors.items()
        if declared.options.get("time_limit") and (wanted is None or declared.queue_name in wanted)
    }


def overdue_jobs(
    limits: dict[str, float], *, session: Session, now: float | None = None, grace: float = STUCK_GRACE
) -> list[Job]:
    """Jobs still "running" in history long after their actor's time limit (``limits``, seconds).

    A worker killed mid-job leaves its history row "running" forever even
    when the broker redelivers the message under the same id.
    """
    now = time.time() if now is None else now
    if not limits:
        return []
    candidates = session.exec(
        select(Job).where(Job.state == "running", col(Job.actor).in_(list(limits)))
    ).all()
    return [
        job
        for job in candidates
        if job.started_at is not None and now - job.started_at > limits[job.actor] + grace
    ]


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
) -> tuple[SweepOutcome, list[dict]]:
    """Give dead workers' messages back to their queues; a job whose message is gone failed.

    ``reap(worker_id)`` requeues a dead worker's unacked messages (the broker's
    reap script). A job whose message Redis still holds will run again; one
    whose message is gone was lost with its worker. Returns the outcome and
    the history events to record.
    """
    for worker in sorted({job.worker for job in jobs if job.worker}):
        reap(worker)
    stored = stored_job_ids(client, namespace, sorted({job.queue for job in jobs}))
    outcome, events = SweepOutcome(), []
    for job in jobs:
        reason = f"worker {job.worker} stopped sending heartbeats"
        if job.id in stored:
            outcome.requeued.append(job.id)
            state, fields = "enqueued", {"error_message": f"{reason}; requeued"}
        else:
            outcome.failed.append(job.id)
            state, fields = "failed", {"error_message": f"{reason}; its message is gone", "finished_at": now}
        events.append(event(job.id, state, at=now, attempt=job.attempt, error_type="WorkerLost", **fields))
    return outcome, events


def sweep_stuck_jobs(
    broker,
    settings: Settings,
    recorder: HistoryRecorder,
    *,
    queues: Iterable[str] | None = None,
    now: float | None = None,
) -> SweepOutcome:
    """Settle the stuck jobs of ``queues`` (or all): dead workers' first, then overdue ones.

    Dead workers are only known on Redis (heartbeats); embedded jobs die with
    their process, so there only overdue jobs are failed.
    """
    now = time.time() if now is None else now
    queues = None if queues is None else set(queues)
    outcome, events = SweepOutcome(), []
    with session_scope(settings) as session:
        if isinstance(broker, LeadqRedisBroker):
            stale = stale_running_jobs(
                session=session,
                live_workers=live_workers(broker),
                started_before=now - settings.stale_job_grace,
            )
            stale = [job for job in stale if queues is None or job.queue in queues]
            outcome, events = settle_stale_jobs(
                stale, client=broker.client, namespace=broker.namespace, reap=broker.reap_worker, now=now
            )
        settled = {*outcome.requeued, *outcome.failed}
        overdue = [job.id for job in overdue_jobs(time_limits(broker, queues), session=session, now=now)]
    recorder.record_many(events)
    recorder.flush()
    overdue = [job_id for job_id in overdue if job_id not in settled]
    if overdue:
        record_states(recorder, overdue, "failed", reason=OVERDUE_REASON)
        outcome.failed.extend(overdue)
    return outcome
