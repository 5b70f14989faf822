"""The `leadq scheduler` process: the declared cron schedules and the user schedules, in one loop."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import redis

from leadq.ops.cron import zone
from leadq.ops.cron_scheduler import CronScheduler
from leadq.ops.fire_log import FireLog
from leadq.ops.schedules import DECLARED
from leadq.ops.user_schedules import build_scheduler
from leadq.settings import Settings

logger = logging.getLogger(__name__)

REDIS_RETRY_SECONDS = 5.0


def run_scheduler(
    settings: Settings, *, client: redis.Redis, send: Callable[[Any], str], stop: threading.Event
) -> None:
    """Fire due schedules until ``stop`` is set.

    The cron loop wakes at every tick of its schedules (at least once a
    minute); each wake-up also makes APScheduler re-read its job store, so a
    schedule added, paused or removed by `leadq schedule` in another process
    takes effect by its next tick.
    """
    tz = zone(settings.schedule_timezone)
    cron = CronScheduler(
        DECLARED,
        fire_log=FireLog(client, settings.namespace),
        send=send,
        on_time_window=settings.schedule_on_time_window,
        lock_ttl=settings.schedule_lock_ttl,
    )
    for schedule in cron.unavailable:
        logger.info("schedule %s not available: %s does not exist yet", schedule.name, schedule.actor_path)
    user = build_scheduler(settings)
    user.start()
    try:
        while not stop.is_set():
            now = datetime.now(tz)
            try:
                cron.tick(now)
            except redis.RedisError as exc:
                # Keep running through a Redis restart rather than exit: systemd
                # would restart us, but a crash loop is noisier than this line.
                logger.warning("Redis unavailable (%s); retrying in %g s", exc, REDIS_RETRY_SECONDS)
                stop.wait(REDIS_RETRY_SECONDS)
                continue
            user.wakeup()
            wakeup = cron.next_wakeup(now)
            # A few ms past the tick, so the next tick() lands on it and never before.
            stop.wait(max(0.0, wakeup.timestamp() - time.time()) + 0.01)
    finally:
        user.shutdown(wait=True)
