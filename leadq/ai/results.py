"""Answers of AI jobs that belong to no row: stored under the job's id for `leadq ai result`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from leadq.ai.models import AiResult
from leadq.clock import utcnow
from leadq.db import session_scope
from leadq.settings import Settings


def store_result(settings: Settings, job_id: str, task: str, output: dict[str, Any]) -> None:
    """Keep ``output`` as job ``job_id``'s answer; a job run again replaces its answer."""
    with session_scope(settings) as session:
        row = session.get(AiResult, job_id)
        if row is None:
            row = AiResult(job_id=job_id, task=task)
        row.output = output
        session.add(row)


def load_result(settings: Settings, job_id: str) -> AiResult | None:
    with session_scope(settings) as session:
        return session.get(AiResult, job_id)


def prune_results(settings: Settings, retention_days: float) -> int:
    """Delete answers older than ``retention_days`` (the job history's retention: their jobs are
    gone too); returns how many."""
    cutoff = utcnow() - timedelta(days=retention_days)
    with session_scope(settings) as session:
        return session.execute(delete(AiResult).where(AiResult.created_at < cutoff)).rowcount
