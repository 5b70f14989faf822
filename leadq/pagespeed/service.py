"""Audit a lead's website (or any URL) and store the result: what the actor and the CLI both run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from leadq.core.ratelimit import rate_limit
from leadq.db import session_scope
from leadq.errors import ValidationFailed
from leadq.leads.models import Lead
from leadq.pagespeed.engines import resolve_engine_name, shared_engine
from leadq.pagespeed.record import STRATEGIES, AuditRecord, Strategy
from leadq.pagespeed.store import audited_since, save_audit
from leadq.settings import Settings


@dataclass
class AuditTarget:
    url: str
    lead_id: int | None
    engine: str
    strategy: Strategy
    #: The lead whose published demo this URL is (`leadq report`'s side-by-side scores).
    demo_of_lead_id: int | None = None


def normalize_website(website: str) -> str:
    """Scraped websites often lack a scheme ("joesplumbing.com"): assume http, which redirects to https."""
    website = website.strip()
    try:
        scheme = urlsplit(website).scheme
        urlsplit(website if scheme else "http://" + website).port  # noqa: B018 - raises on a bad port
    except ValueError as exc:  # a bad port or IPv6 literal
        raise ValidationFailed(f"not a valid website URL {website!r}: {exc}") from None
    if not scheme:
        website = "http://" + website.lstrip("/")
    return website


def resolve_target(
    settings: Settings, *, url: str | None, lead_id: int | None, strategy: str, engine: str | None
) -> AuditTarget:
    """Check the job's arguments and find the URL of a lead."""
    if strategy not in STRATEGIES:
        raise ValidationFailed(f"unknown strategy {strategy!r}; use mobile or desktop")
    if lead_id is not None and url is None:
        with session_scope(settings) as session:
            lead = session.get(Lead, lead_id)
            if lead is None:
                raise ValidationFailed(f"lead {lead_id} does not exist")
            if not lead.website:
                raise ValidationFailed(f"lead {lead_id} has no website")
            url = lead.website
    if not url:
        raise ValidationFailed("an audit needs a URL or a lead id")
    return AuditTarget(normalize_website(url), lead_id, resolve_engine_name(settings, engine), strategy)


@contextmanager
def psi_quota(settings: Settings) -> Iterator[None]:
    """One PSI call within the API key's quota, shared by every worker and every caller
    (audit jobs, report and demo audits); over it, ``Deferred`` runs the job later."""
    key = hashlib.sha256((settings.psi_api_key or "anonymous").encode()).hexdigest()[:16]
    with rate_limit(f"psi:{key}", limit=settings.psi_rate_limit, per=settings.psi_rate_period):
        yield


def audit_and_store(
    settings: Settings,
    target: AuditTarget,
    *,
    checkpoint: Callable[[], None] | None = None,
    skip_if_since: datetime | None = None,
) -> AuditRecord:
    """Run the audit and append it to the history.

    ``skip_if_since`` makes a redelivered job idempotent: an audit of the same
    target stored after that moment is returned instead of auditing again.
    """
    if skip_if_since is not None:
        with session_scope(settings) as session:
            done = audited_since(
                session=session,
                url=target.url,
                strategy=target.strategy,
                since=skip_if_since,
                lead_id=target.lead_id,
            )
            if done is not None:
                return done.to_record()
    engine = shared_engine(target.engine, settings)
    with psi_quota(settings) if target.engine == "psi" else nullcontext():
        record = engine.audit(target.url, target.strategy, checkpoint=checkpoint)
    with session_scope(settings) as session:
        save_audit(record, session=session, lead_id=target.lead_id, demo_of_lead_id=target.demo_of_lead_id)
    return record
