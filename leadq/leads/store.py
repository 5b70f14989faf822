"""The leads store: upsert with dedup and cross-source merge, and filtered queries.

A listing seen again (same source and external id) updates its lead. A new
listing whose E.164 phone or website key (leadq.leads.website_keys) matches an existing lead merges
into that lead, keeping every source reference, so one business found on
Craigslist and Yellow Pages is one lead with two ``LeadSource`` rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import exists, func, or_, text
from sqlmodel import Session, col, select

from leadq.clock import utcnow
from leadq.contacts import website_domain
from leadq.leads.models import Lead, LeadSource
from leadq.leads.record import LeadRecord
from leadq.leads.timezones import lead_timezone
from leadq.leads.website_keys import website_key

Outcome = Literal["new", "updated", "merged", "unchanged"]

#: Lead columns a record fills, in the order the CLI shows them.
MERGED_FIELDS = (
    "name",
    "category",
    "website",
    "address",
    "city",
    "region",
    "postal_code",
    "country",
    "latitude",
    "longitude",
    "rating",
    "review_count",
    "site",
)


@dataclass(frozen=True)
class LeadFilter:
    """What ``leadq leads list/export`` selects."""

    source: str | None = None
    site: str | None = None
    has_email: bool = False
    since: datetime | None = None
    min_score: int | None = None  # AI fit score (`leadq ai score`); unscored leads never match


def _apply(lead: Lead, record: LeadRecord, *, overwrite: bool) -> bool:
    """Copy the record's known values onto ``lead``; returns whether anything changed.

    The same listing seen again overwrites (prices and phones change); another
    source only fills gaps, so a merge never replaces what was already known.
    """
    values = {name: getattr(record, name) for name in MERGED_FIELDS}
    values["phone"] = record.phones[0] if record.phones else None
    values["website_domain"] = website_domain(record.website)
    values["website_key"] = website_key(record.website)
    # From what the record says, or what the lead already knows when it is silent.
    values["timezone"] = lead_timezone(
        phone=values["phone"] or lead.phone,
        region=record.region or lead.region,
        country=record.country or lead.country,
        latitude=record.latitude if record.latitude is not None else lead.latitude,
        longitude=record.longitude if record.longitude is not None else lead.longitude,
    )
    changed = False
    for name, value in values.items():
        current = getattr(lead, name)
        if value is not None and value != current and (overwrite or current is None):
            setattr(lead, name, value)
            changed = True
    emails = list(lead.emails or [])
    for email in record.emails:
        if email not in emails:
            emails.append(email)
    if emails != (lead.emails or []):
        lead.emails = emails
        changed = True
    if lead.email is None and emails:
        lead.email = emails[0]
        changed = True
    return changed


def find_match(record: LeadRecord, *, session: Session) -> Lead | None:
    """An existing lead with the same E.164 phone or website key, oldest first.

    Two Facebook pages are two keys: leads on shared hosts merge only on the
    same profile URL.
    """
    conditions = [col(Lead.phone).in_(record.phones)] if record.phones else []
    key = website_key(record.website)
    if key:
        conditions.append(col(Lead.website_key) == key)
    if not conditions:
        return None
    return session.exec(select(Lead).where(or_(*conditions)).order_by(col(Lead.id)).limit(1)).first()


def find_source(source: str, external_id: str, *, session: Session) -> LeadSource | None:
    statement = select(LeadSource).where(LeadSource.source == source, LeadSource.external_id == external_id)
    return session.exec(statement).first()


def upsert_lead(record: LeadRecord, *, session: Session) -> tuple[Lead, Outcome]:
    """Store ``record``: update its lead, merge it into a matching lead, or create one.

    Under concurrent workers the unique (source, external_id) constraint
    decides a race: the loser gets ``IntegrityError`` and the caller rolls
    back and calls again, which then takes the update path. (No savepoint:
    on SQLite a SAVEPOINT opens a read snapshot that a concurrent commit
    turns into an immediate "database is locked".)
    """
    _serialize_upserts(session)
    return _upsert(record, session=session)


def _serialize_upserts(session: Session) -> None:
    """Take a write lock before reading, so two listings of one business stored at
    the same moment see each other and merge instead of becoming two leads.

    SQLite: a first statement that writes takes the database write lock (and
    waits on busy_timeout); Postgres: a transaction-scoped advisory lock.
    Upserts are short, so serializing them costs little.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(7143900003)"))
    elif dialect == "sqlite":
        session.exec(text("UPDATE lead SET id = id WHERE id = -1"))


def _upsert(record: LeadRecord, *, session: Session) -> tuple[Lead, Outcome]:
    reference = find_source(record.source, record.external_id, session=session)
    now = utcnow()
    if reference is not None:
        lead = session.get(Lead, reference.lead_id)
        changed = _apply(lead, record, overwrite=True)
        if reference.data != record.data or reference.url != record.url or reference.title != record.title:
            reference.url, reference.title, reference.data = record.url, record.title, record.data
            changed = True
        reference.scraped_at = now
        session.add(reference)
        if changed:
            lead.updated_at = now
            session.add(lead)
        session.flush()
        return lead, "updated" if changed else "unchanged"
    lead = find_match(record, session=session)
    outcome: Outcome = "merged" if lead is not None else "new"
    if lead is None:
        lead = Lead(source=record.source)
    _apply(lead, record, overwrite=False)
    lead.updated_at = now
    session.add(lead)
    session.flush()
    session.add(
        LeadSource(
            lead_id=lead.id,
            source=record.source,
            external_id=record.external_id,
            url=record.url,
            title=record.title,
            data=record.data,
            scraped_at=now,
        )
    )
    session.flush()
    return lead, outcome


def _select(filters: LeadFilter):
    statement = select(Lead)
    if filters.source:
        statement = statement.where(
            exists().where(LeadSource.lead_id == Lead.id, LeadSource.source == filters.source)
        )
    if filters.site:
        statement = statement.where(Lead.site == filters.site)
    if filters.has_email:
        statement = statement.where(col(Lead.email).is_not(None))
    if filters.since:
        statement = statement.where(Lead.created_at >= filters.since)
    if filters.min_score is not None:
        statement = statement.where(col(Lead.ai_score) >= filters.min_score)
    return statement


def list_leads(
    filters: LeadFilter, *, session: Session, limit: int = 100, sort: Literal["newest", "score"] = "newest"
) -> list[Lead]:
    """The newest (or best-scored, unscored last) leads matching ``filters``."""
    order = (col(Lead.id).desc(),)
    if sort == "score":
        order = (col(Lead.ai_score).is_(None), col(Lead.ai_score).desc(), col(Lead.id).desc())
    statement = _select(filters).order_by(*order).limit(limit)
    return list(session.exec(statement).all())


def count_leads(filters: LeadFilter, *, session: Session) -> int:
    """How many leads match ``filters``: what a page from `list_leads` is out of."""
    return session.exec(select(func.count()).select_from(_select(filters).subquery())).one()


def iter_leads(filters: LeadFilter, *, session: Session, batch: int = 1000) -> Iterator[Lead]:
    """Every matching lead in id order, read in batches so 100k leads stay small in memory."""
    last_id = 0
    while True:
        statement = _select(filters).where(col(Lead.id) > last_id).order_by(col(Lead.id)).limit(batch)
        rows = list(session.exec(statement).all())
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


def lead_sources(lead_id: int, *, session: Session) -> list[LeadSource]:
    statement = select(LeadSource).where(LeadSource.lead_id == lead_id).order_by(col(LeadSource.id))
    return list(session.exec(statement).all())


def known_external_ids(source: str, external_ids: list[str], *, session: Session) -> set[str]:
    """Which of ``external_ids`` are already stored for ``source`` (to skip re-fetching them)."""
    if not external_ids:
        return set()
    statement = select(LeadSource.external_id).where(
        LeadSource.source == source, col(LeadSource.external_id).in_(external_ids)
    )
    return set(session.exec(statement).all())
