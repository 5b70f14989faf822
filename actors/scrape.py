"""Scrape actors: one result page per job, one listing per job, website enrichment, housekeeping.

Thin wrappers: the work is in ``leadq.scrape.pipeline`` and the sources. Each
actor is idempotent: a re-run re-reads the same page and upserts the same
lead (unique on source + external id), and fan-out uses unique keys so a
re-run page does not enqueue its listings twice.
"""

from __future__ import annotations

from contextlib import closing
from typing import Any

from dramatiq.middleware import TimeLimitExceeded
from leadq.actors.pagespeed import audit_key, audit_website
from periodiq import cron

from leadq.core.broker import actor, current_runtime
from leadq.core.enqueue import send, send_many
from leadq.core.retries import is_final_attempt
from leadq.core.stuck import sweep_stuck_jobs
from leadq.db import session_scope
from leadq.enrich.crawl import crawl_site
from leadq.enrich.store import store_site_report, website_to_crawl
from leadq.net import HttpClient
from leadq.pagespeed.availability import audit_unavailable
from leadq.scrape.models import ScrapeRun
from leadq.scrape.pipeline import (
    PIPELINE_OUTCOMES,
    listing_record,
    open_run_source,
    scrape_page,
    store_record,
)
from leadq.scrape.request import ScrapeRequest
from leadq.scrape.runs import bump, create_run, delete_runs_before, finish_search, retention_cutoff
from leadq.settings import Settings
from leadq.sources.base import Listing, SourceBlocked


def enqueue_scrape(settings: Settings, request: ScrapeRequest) -> tuple[int, str, str]:
    """Start a scrape run: record it and enqueue its first result page; returns (run id, job id, URL).

    What `leadq scrape` does and what a user schedule of it does on each tick.
    """
    source, url, options = request.open(settings)
    with session_scope(settings) as session:
        run = create_run(source.name, request.search, session=session, options=options)
    budget = request.max_listings or settings.scrape_max_listings
    job_id = send(scrape_search, run.id, url, budget)
    with session_scope(settings) as session:
        session.get(ScrapeRun, run.id).job_id = job_id
    return run.id, job_id, url


@actor(queue="scrape", max_retries=5, time_limit=120, min_backoff=2.0, max_backoff=900)
def scrape_search(run_id: int, url: str, budget: int, page_number: int = 1) -> None:
    """Scrape one result page: enqueue a ``scrape_listing`` per new listing, then the next page.

    Idempotent: listings are enqueued with a per-run unique key and upserted
    by (source, external id). A block page or captcha marks the run blocked
    and retries after a long back-off instead of reporting zero results. The
    run row holds how to open the source; the job carries only ids and the page.
    """
    settings = current_runtime().settings
    src, fetcher, _ = open_run_source(run_id, settings)
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
        state = (
            "blocked"
            if isinstance(exc, SourceBlocked)
            else "failed"
            if is_final_attempt(current_runtime().broker, exc)
            else None
        )
        if state:
            with session_scope(settings) as session:
                finish_search(run_id, session=session, state=state, message=str(exc) or type(exc).__name__)
        raise
    send_many(
        scrape_listing,
        [((run_id, listing.to_dict()), {}) for listing in page.to_scrape],
        unique_keys=[
            f"scrape-listing:{run_id}:{src.name}:{listing.external_id}" for listing in page.to_scrape
        ],
    )
    if page.next_url:
        send(
            scrape_search,
            run_id,
            page.next_url,
            page.remaining,
            page_number + 1,
            unique_key=f"scrape-page:{run_id}:{page.next_url}",
        )
    else:
        with session_scope(settings) as session:
            finish_search(run_id, session=session)


@actor(queue="scrape", max_retries=5, time_limit=120, min_backoff=2.0, max_backoff=900)
def scrape_listing(run_id: int, listing: dict[str, Any]) -> None:
    """Build one listing's lead record (fetching its page if needed) and upsert the lead.

    Idempotent: the lead is unique on (source, external id); a re-run updates it.
    A listing that fails for good is counted on the run and skipped.
    """
    settings = current_runtime().settings
    src, fetcher, options = open_run_source(run_id, settings)
    try:
        with closing(fetcher):  # a browser is released before the database write
            record = listing_record(src, Listing.from_dict(listing), fetcher, site=options.get("site"))
        with session_scope(settings) as session:
            lead_id, outcome = store_record(record, session=session, run_id=run_id)
    except (Exception, TimeLimitExceeded) as exc:
        if is_final_attempt(current_runtime().broker, exc):
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


@actor(queue="scrape", max_retries=1, time_limit=60, periodic=cron("*/10 * * * *"))
def monitor_scrape_jobs() -> None:
    """Settle the scrape queue's stuck jobs (``leadq.core.stuck``, as ``cleanup_stale_jobs`` does for all).

    Idempotent: a job already marked is no longer "running".
    """
    runtime = current_runtime()
    sweep_stuck_jobs(runtime.broker, runtime.settings, runtime.history, queues=["scrape"])


@actor(queue="scrape", max_retries=1, time_limit=300, periodic=cron("0 3 * * *"), misfire_grace_time=None)
def cleanup_scrape_data() -> None:
    """Delete scrape runs older than ``scrape_retention_days``. Idempotent."""
    settings = current_runtime().settings
    with session_scope(settings) as session:
        delete_runs_before(retention_cutoff(settings.scrape_retention_days), session=session)
