"""Scrape runs: create, count progress atomically, finish, and clean up old ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col

from leadq.clock import utcnow
from leadq.scrape.models import COUNTERS, ScrapeRun
from leadq.sources.base import SearchQuery


def create_run(
    source: str,
    query: SearchQuery,
    *,
    session: Session,
    job_id: str | None = None,
    options: dict[str, Any] | None = None,
) -> ScrapeRun:
    run = ScrapeRun(
        job_id=job_id,
        source=source,
        site=query.site,
        category=query.category,
        query=query.query,
        options=options,
    )
    session.add(run)
    session.flush()
    return run


def bump(run_id: int, *, session: Session, **counts: int) -> None:
    """Add to a run's counters in one UPDATE, so concurrent listing jobs never lose a count."""
    unknown = set(counts) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown scrape counters: {sorted(unknown)}")
    values = {name: getattr(ScrapeRun, name) + amount for name, amount in counts.items() if amount}
    if values:
        session.exec(update(ScrapeRun).where(col(ScrapeRun.id) == run_id).values(**values))


def finish_search(
    run_id: int, *, session: Session, state: str = "searched", message: str | None = None
) -> None:
    """The search walk is over (listing jobs may still run): record how it ended."""
    session.exec(
        update(ScrapeRun)
        .where(col(ScrapeRun.id) == run_id)
        .values(state=state, message=message, searched_at=utcnow())
    )


def get_run(run_id: int, *, session: Session) -> ScrapeRun | None:
    session.expire_all()
    return session.get(ScrapeRun, run_id)


def delete_runs_before(cutoff: datetime, *, session: Session) -> int:
    """Delete runs created before ``cutoff``; returns how many went."""
    result = session.exec(delete(ScrapeRun).where(col(ScrapeRun.created_at) < cutoff))
    return result.rowcount or 0


def retention_cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=days)
