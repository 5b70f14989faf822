"""Maintenance actors: housekeeping the scheduler runs on the `maintenance` queue."""

from __future__ import annotations

from leadq.core.broker import actor, current_settings
from leadq.core.prune import prune_job_history


@actor(queue="maintenance", max_retries=3, time_limit=600)
def cleanup_job_history(retention_days: int | None = None) -> int:
    """Delete finished jobs (and their events) older than the retention period.

    Idempotent: a second run finds nothing more to delete.
    """
    settings = current_settings()
    return prune_job_history(settings, retention_days or settings.job_history_retention_days)
