"""Maintenance actors: housekeeping on the `maintenance` queue, each declaring its own cron
(periodiq's ``periodic=``) for `leadq scheduler` to fire."""

from __future__ import annotations

import logging

from periodiq import cron

from leadq.ai.results import prune_results
from leadq.core.broker import actor, current_runtime
from leadq.core.prune import prune_job_history
from leadq.core.redis_broker import LeadqRedisBroker
from leadq.core.stuck import sweep_stuck_jobs
from leadq.ops import maintenance

logger = logging.getLogger(__name__)


@actor(
    queue="maintenance", max_retries=3, time_limit=600, periodic=cron("0 * * * *"), misfire_grace_time=None
)
def cleanup_job_history(retention_days: int | None = None) -> int:
    """Delete finished jobs (and their events, and the answers AI jobs stored) older than the
    retention period; returns how many jobs.

    Idempotent: a second run finds nothing more to delete.
    """
    settings = current_runtime().settings
    days = retention_days or settings.job_history_retention_days
    prune_results(settings, days)
    return prune_job_history(settings, days)


def _redis_broker() -> LeadqRedisBroker | None:
    broker = current_runtime().broker
    return broker if isinstance(broker, LeadqRedisBroker) else None


@actor(queue="maintenance", max_retries=0, time_limit=30, periodic=cron("* * * * *"))
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


@actor(
    queue="maintenance", max_retries=3, time_limit=120, periodic=cron("*/15 * * * *"), misfire_grace_time=None
)
def cleanup_stale_jobs() -> dict:
    """Settle jobs left `running` by a worker whose heartbeat is gone (requeue or fail them)
    or far past their actor's time limit (fail them).

    Idempotent: a settled job is no longer `running`, so a second run finds nothing.
    """
    runtime = current_runtime()
    outcome = sweep_stuck_jobs(runtime.broker, runtime.settings, runtime.history)
    if outcome.requeued or outcome.failed:
        logger.warning("stale jobs: %d requeued, %d failed", len(outcome.requeued), len(outcome.failed))
    return {"requeued": outcome.requeued, "failed": outcome.failed}
