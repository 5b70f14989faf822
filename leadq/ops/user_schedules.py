"""User schedules: typed requests stored with a cron spec in leadq's database (APScheduler).

`leadq schedule add --cron SPEC -- ARGV...` stores a job whose function is
``FIRE_FUNC`` with the request the command line stands for, as JSON (built
in ``leadq.cli.schedule_runner``); the `leadq scheduler` process runs it,
which enqueues that work. The command line itself is kept only as the job's
name, for display. Schedules stored by earlier versions carry an ``argv``
instead of a request; they still load and fire. Commands that only edit the
store start the scheduler paused: APScheduler writes to the job store only
once started, and a paused one never runs jobs.
"""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from apscheduler.job import Job as ApsJob
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from leadq.db import ensure_schema
from leadq.errors import UserError
from leadq.ops.cron_trigger import LeadqCronTrigger
from leadq.settings import Settings

TABLE = "leadq_user_schedule"
#: Lives in cli/: firing a schedule means running a CLI command.
FIRE_FUNC = "leadq.cli.schedule_runner:fire_user_schedule"


@dataclass(frozen=True)
class UserSchedule:
    id: str
    spec: str
    timezone: str
    #: The command line it was made from, without the leading "leadq" (display only).
    argv: list[str]
    #: The stored request (JSON); None for a schedule stored as argv by an earlier version.
    request: str | None
    paused: bool
    next_run: datetime | None
    misfire_grace: int | None
    coalesce: bool

    @property
    def command(self) -> str:
        return shlex.join(["leadq", *self.argv])


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    """An APScheduler on leadq's database with the configured misfire and coalescing defaults."""
    store = SQLAlchemyJobStore(engine=ensure_schema(settings), tablename=TABLE)  # table from 0006_ops
    return BackgroundScheduler(
        jobstores={"default": store},
        executors={"default": {"type": "threadpool", "max_workers": 2}},
        job_defaults={
            "misfire_grace_time": settings.user_schedule_misfire_grace,
            "coalesce": settings.user_schedule_coalesce,
            "max_instances": 1,
        },
        timezone=settings.schedule_timezone,
    )


@contextmanager
def schedule_store(settings: Settings) -> Iterator[BackgroundScheduler]:
    """A paused scheduler: reads and writes the stored schedules, never runs them."""
    scheduler = build_scheduler(settings)
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def _to_schedule(job: ApsJob) -> UserSchedule:
    trigger = job.trigger
    return UserSchedule(
        id=job.id,
        spec=trigger.cron.spec,
        timezone=trigger.timezone,
        argv=list(job.kwargs["argv"]) if "argv" in job.kwargs else shlex.split(job.name),
        request=job.kwargs.get("request"),
        paused=job.next_run_time is None,
        next_run=job.next_run_time,
        misfire_grace=job.misfire_grace_time,
        coalesce=job.coalesce,
    )


def add_schedule(
    scheduler: BackgroundScheduler,
    *,
    spec: str,
    timezone: str,
    argv: list[str],
    request: str,
    misfire_grace: int | None = None,
    coalesce: bool | None = None,
) -> UserSchedule:
    """Store the JSON ``request`` that the command line ``argv`` (kept as the name) was checked into."""
    trigger = LeadqCronTrigger(spec, timezone)
    schedule_id = uuid.uuid4().hex[:8]
    options = {}
    if misfire_grace is not None:
        options["misfire_grace_time"] = misfire_grace
    if coalesce is not None:
        options["coalesce"] = coalesce
    job = scheduler.add_job(
        FIRE_FUNC,
        trigger,
        id=schedule_id,
        name=shlex.join(argv),
        kwargs={
            "schedule_id": schedule_id,
            "spec": trigger.cron.spec,
            "timezone": timezone,
            "request": request,
        },
        **options,
    )
    return _to_schedule(job)


def list_schedules(scheduler: BackgroundScheduler) -> list[UserSchedule]:
    return [_to_schedule(job) for job in scheduler.get_jobs()]


def get_schedule(scheduler: BackgroundScheduler, schedule_id: str) -> UserSchedule:
    job = scheduler.get_job(schedule_id)
    if job is None:
        raise UserError(f"no user schedule with id {schedule_id!r} (see `leadq schedule list`)")
    return _to_schedule(job)


def pause_schedule(scheduler: BackgroundScheduler, schedule_id: str) -> UserSchedule:
    get_schedule(scheduler, schedule_id)
    return _to_schedule(scheduler.pause_job(schedule_id))


def resume_schedule(scheduler: BackgroundScheduler, schedule_id: str) -> UserSchedule:
    get_schedule(scheduler, schedule_id)
    return _to_schedule(scheduler.resume_job(schedule_id))


def remove_schedule(scheduler: BackgroundScheduler, schedule_id: str) -> None:
    try:
        scheduler.remove_job(schedule_id)
    except JobLookupError:
        raise UserError(f"no user schedule with id {schedule_id!r} (see `leadq schedule list`)") from None
