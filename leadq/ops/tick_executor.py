"""APScheduler's thread pool, firing each (schedule, tick) once however many schedulers run.

APScheduler decides when a job is due (its trigger, misfire grace and
coalescing); before a run time is handed to a thread, this executor claims
the Redis lock for it (:class:`leadq.ops.fire_log.FireLog`), so two
schedulers (one per VPS) never fire a tick twice and a restarted one never
fires it again. A run that APScheduler then finds missed, or that fails to
enqueue, gives its lock back; a successful one is recorded with the job id it
returned, for `leadq schedule list`.
"""

from __future__ import annotations

import logging
import time

import redis
from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.executors.pool import ThreadPoolExecutor

from leadq.ops.fire_log import FireLog

logger = logging.getLogger(__name__)


class OncePerTick(ThreadPoolExecutor):
    """Runs a job's due run times that this process claimed first (``kind``: "cron" or "user")."""

    def __init__(self, fire_log: FireLog, *, kind: str, lock_ttl: int, max_workers: int = 2) -> None:
        super().__init__(max_workers)
        self.fire_log = fire_log
        self.kind = kind
        self.lock_ttl = lock_ttl

    def _do_submit_job(self, job, run_times) -> None:
        claimed = []
        for run_time in run_times:
            tick = run_time.isoformat()
            try:
                if self.fire_log.claim(self.kind, job.id, run_time.timestamp(), ttl=self.lock_ttl):
                    claimed.append(run_time)
                else:
                    logger.info("%s for %s already fired by another scheduler", job.id, tick)
            except redis.RedisError as exc:
                logger.warning("Redis unavailable (%s): %s not fired for %s", exc, job.id, tick)
        # Submitted even when empty: APScheduler counts a running instance until it reports back.
        super()._do_submit_job(job, claimed)

    def _run_job_success(self, job_id, events) -> None:
        for event in events:
            tick, when = event.scheduled_run_time.timestamp(), event.scheduled_run_time.isoformat()
            try:
                if event.code == EVENT_JOB_EXECUTED:
                    fired = {"tick": tick, "fired_at": time.time(), "job_id": event.retval}
                    self.fire_log.record(self.kind, job_id, **fired)
                    logger.info("fired %s for %s as job %s", job_id, when, event.retval)
                else:  # missed or failed: another scheduler may still fire it
                    self.fire_log.release(self.kind, job_id, tick)
            except redis.RedisError as exc:
                logger.warning("Redis unavailable (%s): %s for %s not recorded", exc, job_id, when)
        super()._run_job_success(job_id, events)
