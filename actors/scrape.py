"""Scrape actors: one result page per job, one listing per job, website enrichment, housekeeping.

Thin wrappers: the work is in ``leadq.scrape.pipeline`` and the sources. Each
actor is idempotent: a re-run re-reads the same page and upserts the same
lead (unique on source + external id), and fan-out uses unique keys so a
re-run page does not enqueue its listings twice.
"""

from __future__ import annotations

from contextlib import closing
from typing import Any

from dramatiq.middleware import CurrentMessage, TimeLimitExceeded
from leadq.actors.pagespeed import audit_key, audit_website

from leadq.core.broker import actor, current_runtime
from leadq.core.enqueue import send, send_many
from leadq.core.jobs import record_states
from leadq.db import session_scope
from leadq.enrich.crawl import crawl_site
from leadq.enrich.store import store_site_report, website_to_crawl
from leadq.errors import Cancelled, Deferred, PermanentError
from leadq.net import HttpClient
from leadq.pagespeed.availability import audit_unavailable
from leadq.scrape.maintenance import find_stuck_jobs
from leadq.scrape.models import ScrapeRun
from leadq.scrape.pipeline import PIPELINE_OUTCOMES, listing_record, open_source, scrape_page, store_record
from leadq.scrape.request import ScrapeRequest
from leadq.scrape.runs import bump, create_run, delete_runs_before, finish_search, retention_cutoff
from leadq.settings import Settings
from leadq.sources.base import Listing, SourceBlocked


def _fails_for_good(exc: BaseException) -> bool:
    """Whether ``exc`` ends the running job: a permanent error or cancel, or any
    other error on its last allowed attempt (a deferral never does).

    The actors count such endings on the scrape run themselves, so `--wait`
    knows every listing's fate without waiting on job-history states.
    """
    if isinstance(exc, Deferred):
        return False
    if isinstance(exc, PermanentError | Cancelled):
        return True
    message = CurrentMessage.get_current_message()
    if message is None:
        return True
    limit = message.options.get(
        "max_retries", current_runtime().broker.get_actor(message.actor_name).options["max_retries"]
    )
    return message.options.get("retries", 0) >= limit


def enqueue_scrape(settings: Settings, request: ScrapeRequest) -> tuple[int, str, str]:
    """Start a scrape run: record it and enqueue its first result page; returns (run id, job id, URL).

    What `leadq scrape` does and what a user schedule of it does on each tick.
    """
    source, url, options = request.open(settings)
    with session_scope(settings) as session:
        run = create_run(source.name, request.search, session=session)
    budget = request.max_listings or settings.scrape_max_listings
    job_id = send(scrape_search, run.id, request.source, url, budget, options)
    with session_scope(settings) as session:
        session.get(ScrapeRun, run.id).job_id = job_id
    return run.id, job_id, url


@actor(queue="scrape", max_retries=5, time_limit=120, min_backoff=2.0, max_backoff=900)
def scrape_search(
    run_id: int, source: str, url: str, budget: int, options: dict[str, Any], page_number: int = 1
) -> None:
    """Scrape one result page: enqueue a ``scrape_listing`` per new listing, then the next page.

    Idempotent: listings are enqueued with a per-run unique key and upserted
    by (source, external id). A block page or captcha marks the run blocked
    and retries after a long back-off instead of reporting zero results.
    """
    settings = current_runtime().settings
    src, fetcher = open_source(source, options, settings)
    try:
        # The fetcher (and its browser, if any) is closed before the run's state
        # is recorded: whoever waits on the run never sees a browser still up.
        with closing(fetcher), session_scope(settings) as session:
            page = scrape_page(
                src,
                url,
                fetcher,
                session=session,
                run_id=run_id,
                budget=budget,
                last_page=page_number >= settings.scrape_max_pages,
            )
    except (Exception, TimeLimitExceeded) as exc:  # a time limit is an interrupt, not an Exception
        state = "blocked" if isinstance(exc, SourceBlocked) else "failed" if _fails_for_good(exc) else None
        if state:
            with session_scope(settings) as session:
                finish_search(run_id, session=session, state=state, message=str(exc) or type(exc).__name__)
        raise
    send_many(
        scrape_listing,
        [((run_id, source, listing.to_dict(), options), {}) for listing in page.to_scrape],
        unique_keys=[f"scrape-listing:{run_id}:{source}:{listing.external_id}" for listing in page.to_scrape],
    )
    if page.next_url:
        send(
            scrape_search,
            run_id,
            source,
            page.next_url,
            page.remaining,
            options,
            page_number + 1,
            unique_key=f"scrape-page:{run_id}:{page.next_url}",
        )
    else:
        with session_scope(settings) as session:
            finish_search(run_id, session=session)


@actor(queue="scrape", max_retries=5, time_limit=120, min_backoff=2.0, max_backoff=900)
def scrape_listing(run_id: int, source: str, listing: dict[str, Any], options: dict[str, Any]) -> None:
    """Build one listing's lead record (fetching its page if needed) and upsert the lead.

    Idempotent: the lead is unique on (source, external id); a re-run updates it.
    A listing that fails for good is counted on the run and skipped.
    """
    settings = current_runtime().settings
    src, fetcher = open_source(source, options, settings)
    try:
        with closing(fetcher):  # a browser is released before the database write
            record = listing_record(src, Listing.from_dict(listing), fetcher, site=options.get("site"))
        with session_scope(settings) as session:
            lead_id, outcome = store_record(record, session=session, run_id=run_id)
    except (Exception, TimeLimitExceeded) as exc:
        if _fails_for_good(exc):
            with session_scope(settings) as session:
                bump(run_id, session=session, errors=1)
        raise
    if options.get("pipeline") and outcome in PIPELINE_OUTCOMES:
        continue_pipeline(lead_id)


def continue_pipeline(lead_id: int) -> None:
    """Send a lead with a website on to website enrichment and the PageSpeed audit.

    A merged lead goes on too: the listing may have brought the website, or the
    lead may never have been audited. The audit is not sent when this machine
    cannot audit (no Chromium): the scrape summary says so instead.
    """
    settings = current_runtime().settings
    with session_scope(settings) as session:
        website = website_to_crawl(lead_id, session=session)
    if not website:
        return
    send(enrich_website, lead_id, unique_key=f"enrich-website:{lead_id}")
    if audit_unavailable(settings) is None:
        send(audit_website, lead_id=lead_id, unique_key=audit_key(lead_id, "mobile"))


@actor(queue="scrape", max_retries=3, time_limit=300, min_backoff=5.0, max_backoff=900)
def enrich_website(lead_id: int) -> None:
    """Crawl a lead's own website (a few pages, contact pages first) and store its signals.

    Idempotent: a re-run crawls again and replaces ``lead.signals``. The lead's
    URL is untrusted: ``HttpClient`` refuses private addresses on every hop
    (``UrlRefused`` is permanent) unless ``allow_private_urls`` is set.
    """
    settings = current_runtime().settings
    with session_scope(settings) as session:
        website = website_to_crawl(lead_id, session=session)
    if not website:
        return
    client = HttpClient(settings)
    try:
        report = crawl_site(
            website,
            client=client,
            max_pages=settings.enrich_max_pages,
            region=settings.enrich_phone_region,
            max_bytes=settings.enrich_max_page_bytes,
        )
    finally:
        client.close()
    with session_scope(settings) as session:
        store_site_report(lead_id, report, session=session)


@actor(queue="scrape", max_retries=1, time_limit=60)
def monitor_scrape_jobs() -> None:
    """Mark scrape jobs still "running" well past their time limit as failed.

    Idempotent: a job already marked is no longer "running".
    """
    broker = current_runtime().broker
    limits = {
        name: declared.options["time_limit"] / 1000
        for name, declared in broker.actors.items()
        if declared.queue_name == "scrape" and declared.options.get("time_limit")
    }
    with session_scope(current_runtime().settings) as session:
        stuck = find_stuck_jobs(limits, session=session)
    if stuck:
        record_states(
            current_runtime().history,
            [job.id for job in stuck],
            "failed",
            reason="stuck: still running past its time limit (worker lost?)",
        )


@actor(queue="scrape", max_retries=1, time_limit=300)
def cleanup_scrape_data() -> None:
    """Delete scrape runs older than ``scrape_retention_days``. Idempotent."""
    settings = current_runtime().settings
    with session_scope(settings) as session:
        delete_runs_before(retention_cutoff(settings.scrape_retention_days), session=session)
