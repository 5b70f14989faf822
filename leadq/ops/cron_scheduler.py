"""leadq's cron loop: fires each declared schedule's actor once per tick, across schedulers.

Why not periodiq's own ``Scheduler``: it sleeps with SIGALRM on the real clock
(so no test can walk a week through it), fires every tick from every process
(two VPSes fire twice), drops late ticks with no choice, and inherits the
Sunday and next-date bugs described in :mod:`leadq.ops.cron`. This class keeps
periodiq's spec language, takes the time as an argument (``tick(now)``) and
asks Redis for a per-(schedule, tick) lock before each enqueue.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from leadq.errors import ConfigError
from leadq.ops.cron import next_fire, previous_fire
from leadq.ops.fire_log import FireLog
from leadq.ops.schedules import CronSchedule, resolve_actor

logger = logging.getLogger(__name__)

KIND = "cron"


@dataclass(frozen=True)
class Fired:
    name: str
    tick: datetime
    job_id: str


class CronScheduler:
    """Decides, for a given moment, which schedules are due and fires each at most once.

    ``send(actor) -> job id`` enqueues (leadq.core.enqueue.send in production).
    Schedules whose actor does not exist are left out (see ``unavailable``).
    """

    def __init__(
        self,
        schedules: Iterable[CronSchedule],
        *,
        fire_log: FireLog,
        send: Callable[[Any], str],
        on_time_window: float,
        lock_ttl: int,
    ) -> None:
        if lock_ttl <= on_time_window:
            # A restarted scheduler relies on the lock to not re-fire an on-time tick.
            raise ConfigError(
                f"schedule_lock_ttl ({lock_ttl}s) must exceed schedule_on_time_window ({on_time_window:g}s)"
            )
        self.fire_log = fire_log
        self.send = send
        self.on_time_window = on_time_window
        self.lock_ttl = lock_ttl
        self.active: list[tuple[CronSchedule, Any]] = []
        self.unavailable: list[CronSchedule] = []
        #: Latest tick per schedule this process has fired or ruled out.
        self._decided: dict[str, float] = {}
        for schedule in schedules:
            actor = resolve_actor(schedule.actor_path)
            if actor is None:
                self.unavailable.append(schedule)
            else:
                self.active.append((schedule, actor))

    def tick(self, now: datetime) -> list[Fired]:
        """Fire every schedule due at ``now`` (aware) that nobody fired for that tick yet.

        Redis is asked only when a schedule's latest tick changes: an on-time
        tick goes straight to the lock (a tick fired before a restart still holds
        it, as ``lock_ttl`` outlasts the on-time window); a late one first reads
        the last fire to apply the late policy.
        """
        fired = []
        for schedule, actor in self.active:
            due = previous_fire(schedule.cron, now)
            if due is None or due.timestamp() <= self._decided.get(schedule.name, float("-inf")):
                continue
            due_ts = due.timestamp()
            self._decided[schedule.name] = due_ts
            # Epoch seconds, not datetime subtraction: same-zone subtraction ignores DST shifts.
            late = now.timestamp() - due_ts > self.on_time_window
            if late:
                last = self.fire_log.last(KIND, schedule.name)
                # A schedule that never fired has missed nothing: run-once applies
                # to ticks lost while it was already in service.
                if schedule.late == "skip" or last is None or last.tick >= due_ts:
                    continue
            if not self.fire_log.claim(KIND, schedule.name, due_ts, ttl=self.lock_ttl):
                continue
            try:
                job_id = self.send(actor)
            except Exception:
                self.fire_log.release(KIND, schedule.name, due_ts)
                del self._decided[schedule.name]
                logger.exception("could not enqueue %s for %s", schedule.name, due.isoformat())
                continue
            self.fire_log.record(KIND, schedule.name, tick=due_ts, fired_at=now.timestamp(), job_id=job_id)
            logger.info(
                "fired %s for %s as job %s%s", schedule.name, due.isoformat(), job_id, " (late)" * late
            )
            fired.append(Fired(schedule.name, due, job_id))
        return fired

    def next_wakeup(self, now: datetime) -> datetime:
        """The next tick of any active schedule (a minute from now when there is none)."""
        ticks = [t for s, _ in self.active if (t := next_fire(s.cron, now)) is not None]
        return min(ticks, default=now + timedelta(minutes=1))

    def run(self, stop: threading.Event, tz: tzinfo) -> None:
        """Tick now, then sleep until the next tick, until ``stop`` is set."""
        while not stop.is_set():
            now = datetime.now(tz)
            self.tick(now)
            wakeup = self.next_wakeup(now)
            # A few ms past the tick so previous_fire() lands on it, never before.
            stop.wait(max(0.0, wakeup.timestamp() - time.time()) + 0.01)
