"""Where a scrape stands: its run counters, plus error details from its job tree.

`--wait` and the summary read this. The run row counts pages, lead outcomes
and listings that failed for good (the actors count those themselves on
their last attempt); job history (parent ids) supplies the error messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadq.core.jobs import job_tree
from leadq.db import session_scope
from leadq.scrape.models import COUNTERS
from leadq.scrape.runs import get_run
from leadq.settings import Settings

SEARCH_ACTOR = "scrape_search"
#: How many failed listings the summary quotes.
ERROR_SAMPLES = 5


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
    #: "error type: message" of up to ``ERROR_SAMPLES`` failed listing jobs, for the summary.
    error_samples: list[str]

    @property
    def to_scrape(self) -> int:
        return self.listings - self.skipped

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.merged + self.unchanged

    @property
    def samples_complete(self) -> bool:
        """Every failed listing counted so far has its error in job history (up to the sample cap).

        A listing job counts its failure on the run before it raises, and the
        error reaches job history after (buffered), so the two can briefly disagree.
        """
        return len(self.error_samples) >= min(self.errors, ERROR_SAMPLES)

    @property
    def done(self) -> bool:
        """The walk ended (or failed, or was blocked) and every listing was stored or failed."""
        if self.state in ("blocked", "failed"):
            return True
        return self.state == "searched" and self.stored + self.errors >= self.to_scrape

    def as_dict(self) -> dict:
        return dict(vars(self))


def scrape_progress(settings: Settings, run_id: int, root_job_id: str) -> ScrapeProgress:
    with session_scope(settings) as session:
        run = get_run(run_id, session=session)
    if run is None:
        raise LookupError(f"no scrape run {run_id}")
    samples = []
    if run.errors:
        for job in job_tree(settings, root_job_id, through=[SEARCH_ACTOR]):
            if (
                job.actor != SEARCH_ACTOR
                and job.error_type
                and job.state != "succeeded"
                and len(samples) < ERROR_SAMPLES
            ):
                samples.append(f"{job.error_type}: {job.error_message}")
    return ScrapeProgress(
        run_id=run.id,
        state=run.state,
        message=run.message,
        error_samples=samples,
        **{name: getattr(run, name) for name in COUNTERS},
    )
