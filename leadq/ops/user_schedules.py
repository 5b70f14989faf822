"""User schedules: a typed enqueue request and a cron spec, in APScheduler's SQLAlchemy job store.

`leadq schedule add --cron SPEC -- ARGV...` stores a job whose keyword
argument is the request the command line stands for, as JSON: a
``ScrapeJob`` (the ``ScrapeRequest`` `leadq scrape` builds), an ``AuditJob``
(the ``AuditBatch`` of `leadq pagespeed run`), a ``ScoreJob`` (the
``ScoreBatch`` of `leadq ai score`), a ``CampaignJob`` (`leadq campaign
pause|resume`) or an ``ActorJob`` (a declared schedule's actor, as
`leadq schedule run` sends it).
The job's function is the plain function the CLI passes in, which enqueues
that request; the command line is kept only as the job's name, for display.

Schedules stored by earlier versions carry an ``argv``, or a request of kind
"command"; they still load and list (``legacy``), and `leadq scheduler`
rewrites them as typed requests before it starts. Commands that only edit the
store start the scheduler paused: APScheduler writes to the job store only
once started, and a paused one never runs jobs.
"""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from apscheduler.job import Job as ApsJob
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from leadq.ai.request import ScoreBatch
from leadq.db import ensure_schema
from leadq.errors import UserError
from leadq.ops.cron_trigger import LeadqCronTrigger
from leadq.pagespeed.request import AuditBatch
from leadq.scrape.request import ScrapeRequest
from leadq.settings import Settings

TABLE = "leadq_user_schedule"


class ScrapeJob(BaseModel):
    """Start the scrape `leadq scrape` would start with the same options."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["scrape"] = "scrape"
    scrape: ScrapeRequest


class ActorJob(BaseModel):
    """Send a declared schedule's actor now, as `leadq schedule run NAME` does."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["actor"] = "actor"
    actor: str


class AuditJob(BaseModel):
    """Enqueue the audits `leadq pagespeed run` would enqueue with the same options."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["pagespeed"] = "pagespeed"
    audits: AuditBatch


class ScoreJob(BaseModel):
    """Enqueue the scoring `leadq ai score` would enqueue with the same options."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["ai_score"] = "ai_score"
    score: ScoreBatch


class CampaignJob(BaseModel):
    """Pause a campaign, or resume it and hand its due messages to the workers, as the commands do."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["campaign"] = "campaign"
    action: Literal["pause", "resume"]
    campaign_id: int


UserRequest = ScrapeJob | ActorJob | AuditJob | ScoreJob | CampaignJob
ScheduledRequest = TypeAdapter(Annotated[UserRequest, Field(discriminator="kind")])


@dataclass(frozen=True)
class UserSchedule:
    id: str
    spec: str
    timezone: str
    #: The command line it was made from, without the leading "leadq" (display only).
    argv: list[str]
    #: The stored request (JSON); None for a schedule stored as argv by an earlier version.
    request: str | None
    #: Stored by an earlier version: `leadq scheduler` rewrites it before firing it.
    legacy: bool
    paused: bool
    next_run: datetime | None
    misfire_grace: int | None
    coalesce: bool

    @property
    def command(self) -> str:
        return shlex.join(["leadq", *self.argv])


def build_scheduler(settings: Settings, *, executors: dict[str, Any] | None = None) -> BackgroundScheduler:
    """An APScheduler on leadq's database with the configured misfire and coalescing defaults."""
    store = SQLAlchemyJobStore(engine=ensure_schema(settings), tablename=TABLE)  # table from 0006_ops
    return BackgroundScheduler(
        jobstores={"default": store},
        executors=executors or {"default": {"type": "threadpool", "max_workers": 2}},
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


def _is_typed(request: str | None) -> bool:
    try:
        ScheduledRequest.validate_json(request or "")
    except ValueError:
        return False
    return True


def _to_schedule(job: ApsJob) -> UserSchedule:
    trigger = job.trigger
    request = job.kwargs.get("request")
    return UserSchedule(
        id=job.id,
        spec=trigger.cron.spec,
        timezone=trigger.timezone,
        argv=list(job.kwargs["argv"]) if "argv" in job.kwargs else shlex.split(job.name),
        request=request,
        legacy=set(job.kwargs) != {"request"} or not _is_typed(request),
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
    request: UserRequest,
    fire: Callable[[str], str],
    misfire_grace: int | None = None,
    coalesce: bool | None = None,
) -> UserSchedule:
    """Store ``request`` (made from the command line ``argv``, kept as the name) for ``fire`` to enqueue."""
    trigger = LeadqCronTrigger(spec, timezone)
    options = {}
    if misfire_grace is not None:
        options["misfire_grace_time"] = misfire_grace
    if coalesce is not None:
        options["coalesce"] = coalesce
    job = scheduler.add_job(
        fire,
        trigger,
        id=uuid.uuid4().hex[:8],
        name=shlex.join(argv),
        kwargs={"request": request.model_dump_json()},
        **options,
    )
    return _to_schedule(job)


def replace_request(scheduler: BackgroundScheduler, schedule_id: str, request: UserRequest) -> None:
    """Store ``request`` as the schedule's only argument (upgrading an earlier version's form)."""
    scheduler.modify_job(schedule_id, kwargs={"request": request.model_dump_json()})


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
