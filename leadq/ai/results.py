"""Answers of AI jobs that belong to no row: stored under the job's id for `leadq ai result`."""

from __future__ import annotations

from typing import Any

from leadq.ai.models import AiResult
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
