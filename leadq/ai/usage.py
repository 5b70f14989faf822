"""`leadq ai usage`: what model calls cost, summed by day, model and task."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, func
from sqlmodel import Session, col, select

from leadq.ai.models import AiCall


def usage_summary(
    *, session: Session, since: datetime | None = None, job_id: str | None = None
) -> list[dict[str, Any]]:
    """One row per (UTC day, model, task): answers, cache hits, tokens, cost, mean latency of real calls."""
    day = func.date(AiCall.created_at)
    real = case((col(AiCall.cached).is_(False), 1), else_=0)
    query = select(
        day,
        AiCall.model,
        AiCall.task,
        func.count(),
        func.sum(case((col(AiCall.cached).is_(True), 1), else_=0)),
        func.sum(AiCall.tokens_in),
        func.sum(AiCall.tokens_out),
        func.sum(AiCall.cost_usd),
        func.sum(case((col(AiCall.cached).is_(False), AiCall.latency_ms), else_=0.0)),
        func.sum(real).cast(Integer),
    ).group_by(day, AiCall.model, AiCall.task)
    if since is not None:
        query = query.where(col(AiCall.created_at) >= since)
    if job_id is not None:
        query = query.where(AiCall.job_id == job_id)
    rows = []
    for day_, model, task, answers, hits, tokens_in, tokens_out, cost, latency, calls in session.exec(
        query.order_by(day, AiCall.model, AiCall.task)
    ):
        rows.append(
            {
                "day": str(day_),
                "model": model,
                "task": task,
                "answers": answers,
                "model_calls": calls or 0,
                "cache_hits": hits or 0,
                "tokens_in": tokens_in or 0,
                "tokens_out": tokens_out or 0,
                "cost_usd": round(cost or 0.0, 6),
                "mean_latency_ms": round(latency / calls, 1) if calls else None,
            }
        )
    return rows
