"""Pruning job history, so the tables stay small on a VPS that runs for years."""

from __future__ import annotations

import time

from sqlalchemy import delete, select

from leadq.core.models import FINAL_STATES, Job, JobEvent
from leadq.db import ensure_schema
from leadq.settings import Settings


def prune_job_history(settings: Settings, retention_days: float) -> int:
    """Delete finished jobs last updated before the cutoff; returns how many."""
    cutoff = time.time() - retention_days * 86400
    old = select(Job.id).where(Job.state.in_(FINAL_STATES), Job.updated_at < cutoff)
    with ensure_schema(settings).begin() as connection:
        connection.execute(delete(JobEvent).where(JobEvent.job_id.in_(old)))
        return connection.execute(delete(Job).where(Job.id.in_(old))).rowcount
