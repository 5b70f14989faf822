"""The scrape steps the actors run, as plain functions: one result page, one listing.

A search is walked one result page per job (the next page is its own job),
so a rate-limit deferral or a block re-runs one page, not the whole walk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from leadq.db import session_scope
from leadq.errors import PermanentError, ValidationFailed
from leadq.leads.record import LeadRecord
from leadq.leads.store import Outcome, known_external_ids, upsert_lead
from leadq.scrape.runs import bump, get_run
from leadq.settings import Settings
from leadq.sources.base import Listing, Source
from leadq.sources.fetch import PoliteFetcher
from leadq.sources.registry import source_for_job

#: Lead outcomes that `--pipeline` sends on to enrichment and the audit: a merged lead
#: too (the listing may have brought its website); an updated or unchanged one was
#: sent on when it was first stored.
PIPELINE_OUTCOMES = frozenset({"new", "merged"})


def open_run_source(run_id: int, settings: Settings) -> tuple[Source, PoliteFetcher, dict[str, Any]]:
    """The source a scrape run's stored options describe, a polite fetcher trusting its
    base URL, and the options themselves (a job carries only the run id)."""
    with session_scope(settings) as session:
        run = get_run(run_id, session=session)
    if run is None:
        raise PermanentError(f"no scrape run {run_id} (deleted by the retention clean-up?)")
    options = run.options or {}
    source = source_for_job(options, run.source, settings)
    fetcher = PoliteFetcher(
        settings, ignore_robots=bool(options.get("ignore_robots")), trusted_origin=source.base_url
    )
    return source, fetcher, options


@dataclass
class PageResult:
    """What one result page gave: listings to scrape, already-known ones, the next page."""

    to_scrape: list[Listing]
    skipped: int
    next_url: str | None
    #: Listings the rest of the search may still take (``--max`` minus this page's).
    remaining: int


def scrape_page(
    source: Source,
    url: str,
    fetcher: PoliteFetcher,
    *,
    session: Session,
    run_id: int,
    budget: int,
    last_page: bool = False,
) -> PageResult:
    """Fetch and parse one result page; keep at most ``budget`` listings not stored yet.

    ``last_page`` (the ``scrape_max_pages`` setting reached) ends the walk here.

    Listings already in the store are skipped (counted, not re-fetched): a
    daily search then costs one request per new posting, not per result.
    """
    page = source.parse_search(source.fetch_search(url, fetcher, budget), url)
    seen: set[str] = set()
    unique = []
    for listing in page.listings:
        if listing.external_id not in seen:
            seen.add(listing.external_id)
            unique.append(listing)
    unique = unique[: max(budget, 0)]
    known = known_external_ids(source.name, [listing.external_id for listing in unique], session=session)
    fresh = [listing for listing in unique if listing.external_id not in known]
    bump(run_id, session=session, pages=1, listings=len(unique), skipped=len(unique) - len(fresh))
    remaining = budget - len(unique)
    more = remaining > 0 and unique and not last_page
    next_url = page.next_url if more and page.next_url != url else None
    return PageResult(
        to_scrape=fresh, skipped=len(unique) - len(fresh), next_url=next_url, remaining=remaining
    )


def listing_record(
    source: Source, listing: Listing, fetcher: PoliteFetcher, *, site: str | None
) -> LeadRecord:
    """The lead record of one listing, fetching its own page when the source needs it."""
    if source.fetches_detail:
        if not listing.url:
            raise ValidationFailed(f"{listing.source} listing {listing.external_id} has no URL to fetch")
        record = source.parse_detail(source.fetch_detail(listing.url, fetcher), listing.url, listing)
    else:
        record = source.record_from_listing(listing)
    record.site = record.site or site
    return record


def store_record(record: LeadRecord, *, session: Session, run_id: int | None) -> tuple[int, Outcome]:
    """Upsert the lead and count the outcome on the run; returns (lead id, outcome).

    Runs in its own transaction: a lost insert race (``IntegrityError``) is
    rolled back and retried, and then finds the row the other worker stored.
    """
    for attempt in range(3):
        try:
            lead, outcome = upsert_lead(record, session=session)
            break
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
    if run_id is not None:
        bump(run_id, session=session, **{outcome: 1})
    return lead.id, outcome
