"""The `leadq scheduler` process: one APScheduler fires the declared cron and the user schedules.

Two job stores, one vocabulary for late runs: the actors declared with
``periodic=cron("…")`` go into a memory store (re-read from the broker at
every start), user schedules stay in the SQLAlchemy store. Both use
APScheduler's trigger, misfire grace and coalescing, and both run through
``OncePerTick`` executors that take the Redis lock per (schedule, tick).

A declared schedule resumes after its last fire recorded in Redis: ticks
missed while no scheduler ran are coalesced into one run of the latest,
which runs if its misfire grace allows (the actor's ``misfire_grace_time``,
else ``LEADQ_SCHEDULE_ON_TIME_WINDOW``). One that never fired starts at the
on-time window before now, so a tick that just passed still fires.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
import redis
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from leadq.errors import ConfigError
from leadq.ops.fire_log import FireLog
from leadq.ops.schedules import PeriodicActor, periodic_actors
from leadq.ops.tick_executor import OncePerTick
from leadq.ops.user_schedules import build_scheduler
from leadq.settings import Settings

logger = logging.getLogger(__name__)

#: The job store and executor of the declared schedules; user schedules use "default".
CRON = "cron"


def _resume_after(periodic: PeriodicActor, fire_log: FireLog, settings: Settings, now: datetime) -> datetime:
    """The moment from which the schedule's next tick is due (see the module's docstring)."""
    try:
        last = fire_log.last(CRON, periodic.name)
    except redis.RedisError as exc:
        logger.warning("Redis unavailable (%s): %s starts from now", exc, periodic.name)
        last = None
    if last is not None:
        return datetime.fromtimestamp(last.tick, UTC)
    return now - timedelta(seconds=settings.schedule_on_time_window)


def build_service(
    settings: Settings, *, broker: dramatiq.Broker, client: redis.Redis, send: Callable[[Any], str]
) -> BackgroundScheduler:
    """The scheduler with every declared and user schedule, not started yet."""
    if settings.schedule_lock_ttl <= settings.schedule_on_time_window:
        # A restarted scheduler relies on the lock to not re-fire an on-time tick.
        raise ConfigError(
            f"schedule_lock_ttl ({settings.schedule_lock_ttl}s) must exceed "
            f"schedule_on_time_window ({settings.schedule_on_time_window:g}s)"
        )
    fire_log = FireLog(client, settings.namespace)
    ttl = settings.schedule_lock_ttl
    scheduler = build_scheduler(
        settings,
        executors={
            "default": OncePerTick(fire_log, kind="user", lock_ttl=ttl),
            CRON: OncePerTick(fire_log, kind=CRON, lock_ttl=ttl),
        },
    )
    scheduler.add_jobstore(MemoryJobStore(), CRON)
    now = datetime.now(UTC)
    for periodic in periodic_actors(broker, settings):
        trigger = periodic.trigger(settings.schedule_timezone)
        after = _resume_after(periodic, fire_log, settings, now)
        scheduler.add_job(
            send,
            trigger,
            args=[periodic.actor],
            id=periodic.name,
            name=periodic.path,
            jobstore=CRON,
            executor=CRON,
            misfire_grace_time=periodic.grace(settings.schedule_on_time_window),
            coalesce=True,
            next_run_time=trigger.get_next_fire_time(after, after),
        )
    return scheduler


def run_scheduler(
    settings: Settings,
    *,
    broker: dramatiq.Broker,
    client: redis.Redis,
    send: Callable[[Any], str],
    stop: threading.Event,
) -> None:
    """Fire due schedules until ``stop`` is set.

    APScheduler sleeps until the next run time it knows of; a schedule added,
    paused or removed by `leadq schedule` in another process is in the
    database only, so the store is re-read at the start of every minute.
    """
    scheduler = build_service(settings, broker=broker, client=client, send=send)
    scheduler.start()
    try:
        while not stop.wait(60 - time.time() % 60 + 0.01):
            scheduler.wakeup()
    finally:
        scheduler.shutdown(wait=True)
