"""The leads store: dedup on (source, external id), merge on phone or domain, filters."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import func, select

from leadq.clock import utcnow
from leadq.db import ensure_schema, session_scope
from leadq.leads.models import Lead, LeadSource
from leadq.leads.record import LeadRecord
from leadq.leads.store import LeadFilter, iter_leads, lead_sources, list_leads, upsert_lead
from leadq.scrape.pipeline import store_record


def record(**fields) -> LeadRecord:
    base = {"source": "craigslist", "external_id": "111", "title": "Greenleaf", "name": "Greenleaf"}
    return LeadRecord(**{**base, **fields})


def counts(settings) -> tuple[int, int]:
    with session_scope(settings) as session:
        return (
            session.exec(select(func.count()).select_from(Lead)).one(),
            session.exec(select(func.count()).select_from(LeadSource)).one(),
        )


def test_the_same_listing_twice_is_one_lead_updated_in_place(settings):
    with session_scope(settings) as session:
        first, outcome = upsert_lead(record(phones=["+14155550134"]), session=session)
        assert outcome == "new"
    with session_scope(settings) as session:
        again, outcome = upsert_lead(record(phones=["+14155550134"]), session=session)
        assert (again.id, outcome) == (first.id, "unchanged")
    with session_scope(settings) as session:
        changed, outcome = upsert_lead(record(phones=["+14155550199"], city="Oakland"), session=session)
        assert (changed.id, outcome, changed.phone, changed.city) == (
            first.id,
            "updated",
            "+14155550199",
            "Oakland",
        )
    assert counts(settings) == (1, 1)


def test_another_source_with_the_same_phone_merges_and_keeps_both_references(settings):
    with session_scope(settings) as session:
        lead, _ = upsert_lead(record(phones=["+14155550134"], city="San Francisco"), session=session)
        merged, outcome = upsert_lead(
            record(
                source="yellowpages",
                external_id="yp-9",
                phones=["+14155550134"],
                city="Daly City",
                website="https://www.greenleaf.example/",
                rating=4.5,
            ),
            session=session,
        )
        assert (merged.id, outcome) == (lead.id, "merged")
        # A merge fills gaps and never overwrites what the first source said.
        assert (merged.city, merged.website_domain, merged.rating) == (
            "San Francisco",
            "greenleaf.example",
            4.5,
        )
        assert [ref.source for ref in lead_sources(lead.id, session=session)] == ["craigslist", "yellowpages"]


def test_leads_merge_on_website_domain_ignoring_www(settings):
    with session_scope(settings) as session:
        lead, _ = upsert_lead(record(website="https://www.greenleaf.example/"), session=session)
        merged, outcome = upsert_lead(
            record(source="yellowpages", external_id="2", website="http://greenleaf.example/mission"),
            session=session,
        )
        other, other_outcome = upsert_lead(record(source="yellowpages", external_id="3"), session=session)
    assert (merged.id, outcome) == (lead.id, "merged")
    assert other_outcome == "new" and other.id != lead.id


def test_emails_accumulate_without_repeats(settings):
    with session_scope(settings) as session:
        upsert_lead(record(emails=["a@x.example"]), session=session)
        lead, _ = upsert_lead(record(emails=["a@x.example", "b@x.example"]), session=session)
    assert (lead.email, lead.emails) == ("a@x.example", ["a@x.example", "b@x.example"])


def test_concurrent_stores_of_one_listing_make_one_lead(settings):
    # Migrate first: leadq.db.ensure_schema is not safe to call first from many threads at once.
    ensure_schema(settings)
    barrier = threading.Barrier(6)
    outcomes = []

    def store() -> None:
        barrier.wait()
        with session_scope(settings) as session:
            outcomes.append(store_record(record(), session=session, run_id=None)[1])

    threads = [threading.Thread(target=store) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts(settings) == (1, 1)
    assert sorted(outcomes).count("new") == 1 and len(outcomes) == 6


def test_filters_select_by_source_site_email_and_age(settings):
    with session_scope(settings) as session:
        upsert_lead(record(external_id="1", site="sfbay", emails=["a@x.example"]), session=session)
        upsert_lead(record(external_id="2", site="boston"), session=session)
        old, _ = upsert_lead(record(source="yellowpages", external_id="3"), session=session)
        old.created_at = utcnow() - timedelta(days=10)
        session.add(old)
    with session_scope(settings) as session:

        def names(**kw):
            return sorted(lead.id for lead in list_leads(LeadFilter(**kw), session=session))

        assert len(names()) == 3
        assert len(names(source="yellowpages")) == 1
        assert len(names(site="sfbay")) == 1 == len(names(has_email=True))
        assert len(names(since=utcnow() - timedelta(days=1))) == 2


def test_iterating_leads_reads_every_row_in_batches(settings):
    with session_scope(settings) as session:
        for index in range(25):
            upsert_lead(record(external_id=str(index)), session=session)
    with session_scope(settings) as session:
        ids = [lead.id for lead in iter_leads(LeadFilter(), session=session, batch=7)]
    assert ids == sorted(ids) and len(ids) == 25
