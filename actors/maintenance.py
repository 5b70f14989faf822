"""Maintenance actors: housekeeping `leadq scheduler` runs on the `maintenance` queue
(see leadq.ops.schedules)."""

from __future__ import annotations

import logging
import time

from leadq.core.broker import actor, current_runtime
from leadq.core.prune import prune_job_history
from leadq.core.queues import live_workers
from leadq.core.redis_broker import LeadqRedisBroker
from leadq.db import session_scope
from leadq.ops import maintenance

logger = logging.getLogger(__name__)


@actor(queue="maintenance", max_retries=3, time_limit=600)
def cleanup_job_history(retention_days: int | None = None) -> int:
    """Delete finished jobs (and their events) older than the retention period.

    Idempotent: a second run finds nothing more to delete.
    """
    settings = current_runtime().settings
    return prune_job_history(settings, retention_days or settings.job_history_retention_days)


def _redis_broker() -> LeadqRedisBroker | None:
    broker = current_runtime().broker
    return broker if isinstance(broker, LeadqRedisBroker) else None


@actor(queue="maintenance", max_retries=0, time_limit=30)
def health_check() -> dict:
    """Ping Redis and the database and keep the result in Redis. Idempotent: a read-only probe."""
    settings = current_runtime().settings
    broker = _redis_broker()
    health = maintenance.check_health(settings, broker.client if broker else None)
    if broker is not None:
        maintenance.record_health(broker.client, settings.namespace, health)
    if not health.ok:
        logger.warning("health check failed: %s", "; ".join(health.errors))
    return {"ok": health.ok, "errors": list(health.errors)}


@actor(queue="maintenance", max_retries=3, time_limit=120)
def cleanup_stale_jobs() -> dict:
    """Settle jobs left `running` by a worker whose heartbeat is gone: requeue or fail them.

    Idempotent: a settled job is no longer `running`, so a second run finds nothing.
    """
    settings = current_runtime().settings
    broker = _redis_broker()
    if broker is None:
        return {"requeued": [], "failed": []}  # embedded jobs die with their process; nothing to settle
    now = time.time()
    with session_scope(settings) as session:
        jobs = maintenance.stale_running_jobs(
            session=session, live_workers=live_workers(broker), started_before=now - settings.stale_job_grace
        )
    outcome, events = maintenance.settle_stale_jobs(
        jobs, client=broker.client, namespace=broker.namespace, reap=broker.reap_worker, now=now
    )
    history = current_runtime().history
    history.record_many(events)
    history.flush()
    if jobs:
        logger.warning("stale jobs: %d requeued, %d failed", len(outcome.requeued), len(outcome.failed))
    return {"requeued": outcome.requeued, "failed": outcome.failed}
