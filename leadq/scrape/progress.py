"""Where a scrape stands: its run counters plus the states of its job tree.

`--wait` and the summary read this. The run row counts pages and lead
outcomes; job history (parent ids) says which listing jobs failed or are
still pending, so a listing that dies after its retries is still counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadq.core.jobs import get_job, list_jobs
from leadq.core.models import FINAL_STATES, Job
from leadq.db import session_scope
from leadq.scrape.runs import get_run
from leadq.settings import Settings

SEARCH_ACTOR = "scrape_search"


def job_tree(settings: Settings, root_id: str) -> list[Job]:
    """The root job and every job it (or its page jobs) enqueued."""
    root = get_job(settings, root_id)
    jobs = [root] if root is not None else []
    frontier = [root_id]
    while frontier:
        children = list_jobs(settings, parent_id=frontier.pop(), limit=None)
        jobs.extend(children)
        frontier.extend(job.id for job in children if job.actor == SEARCH_ACTOR)
    return jobs


@dataclass
class ScrapeProgress:
    """A snapshot of one scrape for the progress bar and the summary table."""

    run_id: int
    state: str
    message: str | None
    pages: int
    listings: int
    new: int
    updated: int
    merged: int
    unchanged: int
    skipped: int
    errors: int
    pending: int
    failed_search: Job | None

    @property
    def to_scrape(self) -> int:
        return self.listings - self.skipped

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.merged + self.unchanged

    @property
    def done(self) -> bool:
        """The walk ended and every listing job reached a final state."""
        if self.failed_search is not None or self.state == "blocked":
            return True
        return self.state == "searched" and self.pending == 0 and self.stored + self.errors >= self.to_scrape

    def as_dict(self) -> dict:
        data = {key: value for key, value in vars(self).items() if key != "failed_search"}
        data["failed_search"] = (
            None
            if self.failed_search is None
            else {"job_id": self.failed_search.id, "error": self.failed_search.error_message}
        )
        return data


def scrape_progress(settings: Settings, run_id: int, root_job_id: str) -> ScrapeProgress:
    with session_scope(settings) as session:
        run = get_run(run_id, session=session)
    if run is None:
        raise LookupError(f"no scrape run {run_id}")
    jobs = job_tree(settings, root_job_id)
    failed = [job for job in jobs if job.state in FINAL_STATES and job.state != "succeeded"]
    return ScrapeProgress(
        run_id=run.id,
        state=run.state,
        message=run.message,
        pages=run.pages,
        listings=run.listings,
        new=run.new,
        updated=run.updated,
        merged=run.merged,
        unchanged=run.unchanged,
        skipped=run.skipped,
        errors=sum(1 for job in failed if job.actor != SEARCH_ACTOR),
        pending=sum(1 for job in jobs if job.state not in FINAL_STATES),
        failed_search=next((job for job in failed if job.actor == SEARCH_ACTOR), None),
    )
