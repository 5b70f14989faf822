"""Reading job history, and the state changes the CLI makes (cancel, purge)."""

from __future__ import annotations

from collections.abc import Iterable

from dramatiq.common import dq_name
from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from leadq.core.broker import current_runtime
from leadq.core.history import HistoryRecorder, event
from leadq.core.models import FINAL_STATES, STATES, Job, JobEvent
from leadq.core.redis_broker import LeadqRedisBroker
from leadq.db import ensure_schema
from leadq.errors import UsageError, UserError
from leadq.settings import Settings


def get_job(settings: Settings, job_id: str) -> Job | None:
    """A job by id, or by a unique prefix of at least 6 characters."""
    with Session(ensure_schema(settings)) as session:
        job = session.get(Job, job_id)
        if job is not None or len(job_id) < 6:
            return job
        matches = session.exec(select(Job).where(col(Job.id).startswith(job_id)).limit(2)).all()
    if len(matches) > 1:
        raise UserError(f"job id prefix {job_id!r} is ambiguous; give more characters")
    return matches[0] if matches else None


def require_job(settings: Settings, job_id: str) -> Job:
    job = get_job(settings, job_id)
    if job is None:
        raise UserError(f"no job with id {job_id!r} in job history")
    return job


def list_jobs(
    settings: Settings,
    *,
    state: str | None = None,
    actor: str | None = None,
    queue: str | None = None,
    since: float | None = None,
    parent_id: str | None = None,
    limit: int | None = 100,
) -> list[Job]:
    """Newest first. ``since`` is epoch seconds."""
    query = select(Job).order_by(col(Job.enqueued_at).desc(), col(Job.updated_at).desc())
    query = query.where(*_job_filters(state, actor, queue, since, parent_id))
    if limit:
        query = query.limit(limit)
    with Session(ensure_schema(settings)) as session:
        return list(session.exec(query).all())


def count_jobs(
    settings: Settings,
    *,
    state: str | None = None,
    actor: str | None = None,
    queue: str | None = None,
    since: float | None = None,
) -> int:
    """How many jobs ``list_jobs`` would return without its limit."""
    query = select(func.count()).select_from(Job).where(*_job_filters(state, actor, queue, since, None))
    with Session(ensure_schema(settings)) as session:
        return session.exec(query).one()


def _job_filters(state, actor, queue, since, parent_id) -> list:
    if state is not None and state not in STATES:
        raise UsageError(f"unknown state {state!r}; states are {', '.join(STATES)}")
    conditions = []
    if state:
        conditions.append(Job.state == state)
    if actor:
        conditions.append(Job.actor == actor)
    if queue:
        conditions.append(Job.queue == queue)
    if since is not None:
        conditions.append(col(Job.enqueued_at) >= since)
    if parent_id:
        conditions.append(Job.parent_id == parent_id)
    return conditions


def job_events(settings: Settings, job_id: str) -> list[JobEvent]:
    with Session(ensure_schema(settings)) as session:
        query = select(JobEvent).where(JobEvent.job_id == job_id).order_by(col(JobEvent.at), col(JobEvent.id))
        return list(session.exec(query).all())


def record_states(
    recorder: HistoryRecorder, job_ids: Iterable[str], state: str, *, reason: str | None = None
) -> None:
    """Write a state decided outside a worker (cancel, purge) right away."""
    recorder.record_many(
        [event(job_id, state, error_type=reason and state, error_message=reason) for job_id in job_ids]
    )
    recorder.flush()


def cancel_job(broker, settings: Settings, job_id: str) -> str:
    """Cancel a job: take it out of its queue if it is waiting there, else flag it
    so a worker skips it or the running actor stops at its next ``checkpoint()``.
    Returns what happened, for the person who asked."""
    job = require_job(settings, job_id)
    runtime = current_runtime()
    if job.state == "cancelled":
        return "already cancelled"  # asking twice is not an error: the job is where it was asked to be
    if job.state in FINAL_STATES:
        raise UserError(f"job {job.id} already {job.state}; nothing to cancel")
    if isinstance(broker, LeadqRedisBroker):
        for name in (job.queue, dq_name(job.queue)):
            if broker.leadq_scripts["remove_message"](args=[broker.namespace, name, job.id]):
                record_states(runtime.history, [job.id], "cancelled", reason="cancelled while queued")
                return "removed from its queue"
    runtime.cancels.cancel(job.id)
    if job.state != "running":
        # A worker holds it (prefetched, or delayed until its eta or next
        # retry) and skips it when it gets there: cancelled now, not hours later.
        record_states(runtime.history, [job.id], "cancelled", reason="cancelled while held by a worker")
        return "cancelled: a worker held it (prefetched or delayed) and will skip it"
    return "flagged: it stops at its next checkpoint"


def _tree(root_id: str, through: Iterable[str] | None = None):
    """The ids of a job and of every job it sent, theirs, and so on (one recursive query).

    ``through`` names the actors whose children are followed: the root's
    children are always in the tree, a child's only when its parent's actor is named.
    """
    job = Job.__table__
    tree = select(job.c.id, job.c.actor).where(job.c.id == root_id).cte("tree", recursive=True)
    step = select(job.c.id, job.c.actor).join(tree, job.c.parent_id == tree.c.id)
    if through is not None:
        step = step.where(or_(tree.c.id == root_id, col(tree.c.actor).in_(list(through))))
    return tree.union_all(step)


def job_tree(settings: Settings, root_id: str, *, through: Iterable[str] | None = None) -> list[Job]:
    """The job ``root_id`` and its descendants (see ``_tree``), in the order they were enqueued."""
    tree = _tree(root_id, through)
    query = select(Job).join(tree, col(Job.id) == tree.c.id).order_by(col(Job.enqueued_at), col(Job.id))
    with Session(ensure_schema(settings)) as session:
        return list(session.exec(query).all())


def tree_counts(settings: Settings, root_id: str) -> dict[str, int]:
    """How many jobs in each state: the job, the jobs it sent, theirs, and so on."""
    tree = _tree(root_id)
    query = select(Job.state, func.count()).join(tree, col(Job.id) == tree.c.id).group_by(Job.state)
    with Session(ensure_schema(settings)) as session:
        return dict(session.exec(query).all())
