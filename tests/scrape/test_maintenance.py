"""Housekeeping: stuck scrape jobs are found, old scrape runs are deleted (the actors too)."""

from __future__ import annotations

import time
from datetime import timedelta

from leadq.clock import utcnow
from leadq.core.broker import setup_broker
from leadq.core.enqueue import send
from leadq.core.inline import run_until_idle
from leadq.core.jobs import get_job
from leadq.core.models import Job
from leadq.core.stuck import overdue_jobs
from leadq.db import session_scope
from leadq.scrape.models import ScrapeRun
from leadq.scrape.runs import create_run, delete_runs_before, get_run
from leadq.sources.base import SearchQuery


def add_job(session, job_id: str, actor: str, state: str, started_ago: float) -> None:
    now = time.time()
    session.add(
        Job(
            id=job_id,
            actor=actor,
            queue="scrape",
            state=state,
            enqueued_at=now - started_ago,
            started_at=now - started_ago,
            updated_at=now,
        )
    )


def test_only_running_jobs_far_past_their_limit_are_stuck(settings):
    with session_scope(settings) as session:
        add_job(session, "old-running", "scrape_listing", "running", 1000)
        add_job(session, "fresh-running", "scrape_listing", "running", 30)
        add_job(session, "old-done", "scrape_listing", "succeeded", 1000)
        add_job(session, "other-actor", "send_email", "running", 1000)
    with session_scope(settings) as session:
        stuck = overdue_jobs({"scrape_listing": 120}, session=session)
    assert [job.id for job in stuck] == ["old-running"]


def test_the_monitor_actor_marks_stuck_jobs_failed(settings):
    setup_broker(settings, inline=True)
    from leadq.actors.scrape import monitor_scrape_jobs

    with session_scope(settings) as session:
        add_job(session, "stuck-1", "scrape_listing", "running", 5000)
    send(monitor_scrape_jobs)
    run_until_idle(timeout=30)
    job = get_job(settings, "stuck-1")
    assert job.state == "failed" and "past its time limit" in job.error_message


def test_clean_up_deletes_only_runs_older_than_retention(settings):
    setup_broker(settings, inline=True)
    from leadq.actors.scrape import cleanup_scrape_data

    with session_scope(settings) as session:
        old = create_run("craigslist", SearchQuery(site="sfbay"), session=session)
        old.created_at = utcnow() - timedelta(days=settings.scrape_retention_days + 1)
        new = create_run("craigslist", SearchQuery(site="sfbay"), session=session)
    send(cleanup_scrape_data)
    run_until_idle(timeout=30)
    with session_scope(settings) as session:
        assert get_run(old.id, session=session) is None
        assert get_run(new.id, session=session) is not None
        assert delete_runs_before(utcnow() - timedelta(days=1), session=session) == 0
        assert session.get(ScrapeRun, new.id).state == "running"
