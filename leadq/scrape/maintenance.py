"""Housekeeping for the scrape domain: stuck jobs and old scrape runs.

The operations scheduler runs these periodically through the maintenance
actors; they are plain functions so they are tested without a broker.
"""

from __future__ import annotations

import time

from sqlmodel import Session, col, select

from leadq.core.models import Job

#: Seconds past its time limit before a running job counts as stuck: the
#: TimeLimit middleware needs a moment to interrupt, and history is written in batches.
STUCK_GRACE = 60.0


def find_stuck_jobs(
    time_limits: dict[str, float], *, session: Session, now: float | None = None, grace: float = STUCK_GRACE
) -> list[Job]:
    """Jobs still "running" in history long after their actor's time limit (seconds).

    A worker killed mid-job leaves its history row "running" forever even
    when the broker redelivers the message under the same id; such rows make
    `leadq job list` lie, so the monitor marks them failed.
    """
    now = time.time() if now is None else now
    if not time_limits:
        return []
    candidates = session.exec(
        select(Job).where(Job.state == "running", col(Job.actor).in_(list(time_limits)))
    ).all()
    return [
        job
        for job in candidates
        if job.started_at is not None and now - job.started_at > time_limits[job.actor] + grace
    ]
