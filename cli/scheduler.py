"""`leadq scheduler`: the process that fires cron and user schedules (run one per machine)."""

from __future__ import annotations

import signal
import threading

from leadq.core.enqueue import send
from leadq.errors import UserError
from leadq.ops.logging import configure_logging
from leadq.ops.scheduler_service import run_scheduler
from leadq.ops.user_schedules import schedule_store
from leadq.settings import get_settings

from .console import err
from .runtime import open_redis_broker
from .schedule_runner import upgrade_stored


def scheduler() -> None:
    """Fire the declared cron schedules and the user schedules until SIGTERM or Ctrl-C.

    Several schedulers (one per VPS) may run at once: a Redis lock per
    (schedule, tick) makes each tick fire once.
    """
    settings = get_settings()
    if not settings.uses_redis:
        raise UserError("the scheduler enqueues for workers on Redis: set LEADQ_REDIS_URL")
    configure_logging(settings)
    broker = open_redis_broker(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    err.print(
        f"leadq scheduler: firing schedules ({settings.schedule_timezone}); Ctrl-C stops", highlight=False
    )
    with schedule_store(settings) as store:
        upgrade_stored(store)
    run_scheduler(settings, broker=broker, client=broker.client, send=send, stop=stop)
