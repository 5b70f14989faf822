"""Audits are stored with history and listed newest or worst first."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from leadq.clock import utcnow
from leadq.db import ensure_schema, session_scope
from leadq.leads.models import Lead
from leadq.pagespeed.models import Audit
from leadq.pagespeed.record import AuditRecord
from leadq.pagespeed.report_parser import parse_file
from leadq.pagespeed.store import audit_history, audited_since, latest_audits, save_audit

PSI_2019 = Path(__file__).parents[1] / "fixtures" / "psi" / "psi-v5-response-2019-html5rocks-desktop.json"


def record(url: str, score: int | None, strategy: str = "mobile") -> AuditRecord:
    return AuditRecord(url=url, final_url=url, engine="local", strategy=strategy, performance_score=score)


def test_the_migration_creates_exactly_the_models_columns(settings) -> None:
    columns = {c["name"] for c in inspect(ensure_schema(settings)).get_columns("audit")}
    assert columns == set(Audit.__table__.columns.keys())


def test_a_stored_audit_reads_back_as_the_same_record(settings) -> None:
    parsed = parse_file(PSI_2019)
    with session_scope(settings) as session:
        audit_id = save_audit(parsed, session=session).id
    with session_scope(settings) as session:
        assert session.get(Audit, audit_id).to_record() == parsed


def test_every_audit_of_a_lead_is_kept_newest_first(settings) -> None:
    with session_scope(settings) as session:
        lead = Lead(name="Joe", website="https://joe.example", source="test")
        session.add(lead)
        session.flush()
        for score in (40, 55, 70):
            save_audit(record("https://joe.example", score), session=session, lead_id=lead.id)
        assert [a.performance_score for a in audit_history(session=session, lead_id=lead.id)] == [70, 55, 40]


def test_the_worst_list_shows_each_urls_latest_audit_lowest_score_first(settings) -> None:
    with session_scope(settings) as session:
        save_audit(record("https://a.example", 10), session=session)
        save_audit(record("https://a.example", 80), session=session)  # a improved: latest counts
        save_audit(record("https://b.example", 30), session=session)
        save_audit(record("https://c.example", None), session=session)
        save_audit(record("https://b.example", 95, "desktop"), session=session)
        worst = [(a.url, a.strategy, a.performance_score) for a in latest_audits(session=session, worst=True)]
    assert worst == [
        ("https://b.example", "mobile", 30),
        ("https://a.example", "mobile", 80),
        ("https://b.example", "desktop", 95),
        ("https://c.example", "mobile", None),
    ]


def test_audited_since_finds_only_newer_audits_of_the_same_target(settings) -> None:

    before = utcnow()
    with session_scope(settings) as session:
        save_audit(record("https://a.example", 50), session=session)
        assert audited_since(session=session, url="https://a.example", strategy="mobile", since=before)
        assert not audited_since(session=session, url="https://a.example", strategy="desktop", since=before)
        assert not audited_since(session=session, url="https://a.example", strategy="mobile", since=utcnow())


def test_the_overall_score_averages_categories_and_local_checks(settings) -> None:
    from leadq.pagespeed.record import Check

    lhr = parse_file(
        Path(__file__).parents[1] / "fixtures" / "psi" / "lighthouse-13.5-lhr-local-fast-page-mobile.json"
    )
    assert lhr.overall_score() == round((100 + 57 + 92 + 82) / 4)
    local = record("https://a.example", 80)
    local.categories = {"performance": 80}
    local.checks = [Check("https", False), Check("viewport", True)]
    assert local.overall_score() == 65
    with session_scope(settings) as session:
        assert save_audit(local, session=session).score == 65
