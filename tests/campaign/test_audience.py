"""Audience selection: addresses, suppressions, source filters and audit scores."""

from __future__ import annotations

from datetime import UTC, datetime

from leadq.campaign.audience import audience_members
from leadq.campaign.audits import latest_audit
from leadq.campaign.spec import Audience
from leadq.db import session_scope
from leadq.leads.models import Lead
from leadq.mail.suppression import add_suppression
from leadq.mail.variables import template_variables
from tests.campaign_factory import add_audits, add_leads

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _members(settings, **filters) -> list[int]:
    with session_scope(settings) as session:
        return [lead_id for lead_id, _ in audience_members(Audience(**filters), now=NOW, session=session)]


def test_leads_without_a_usable_or_allowed_address_are_left_out(settings):
    add_leads(settings, 4)
    with session_scope(settings) as session:
        session.add(Lead(name="No email", source="craigslist"))
        session.add(Lead(name="Bad", email="not an address", source="craigslist"))
        session.get(Lead, 2).email_status = "invalid"
        add_suppression("@shop3.example", session=session)
    assert _members(settings) == [1, 3]


def test_source_site_and_category_filter_the_audience(settings):
    add_leads(settings, 2, site="sfbay", category="Plumbing")
    add_leads(settings, 2, site="chicago", category="Roofing")
    assert _members(settings, site="sfbay") == [1, 2]
    assert _members(settings, category="roof") == [3, 4]
    assert _members(settings, source="maps") == []


def test_an_audit_score_filter_with_no_audits_yet_selects_nobody(settings):
    add_leads(settings, 1)
    assert _members(settings, min_audit_score=50) == []


def test_when_audits_exist_the_newest_one_per_lead_is_filtered_on(settings):
    add_leads(settings, 3)
    add_audits(
        settings,
        [
            {"l": 1, "s": 90, "p": 20},
            {"l": 1, "s": 30, "p": 95},  # lead 1: newest is 30
            {"l": 2, "s": 80, "p": 40},
        ],
    )
    assert _members(settings, min_audit_score=50) == [2]
    assert _members(settings, max_performance_score=50) == [2]


def test_templates_get_the_newest_audit_or_none(settings):
    add_leads(settings, 2)
    add_audits(settings, [{"l": 1, "s": 42, "p": 10}])
    with session_scope(settings) as session:
        first = template_variables(
            session.get(Lead, 1),
            audit=latest_audit(1, session=session),
            campaign_name="c",
            sender_name="Ada",
            step_number=1,
        )
        second = latest_audit(2, session=session)
    assert first["audit"]["score"] == 42 and second is None


def test_min_ai_score_keeps_scored_leads_at_or_above_it(settings):
    add_leads(settings, 3)
    with session_scope(settings) as session:
        session.get(Lead, 1).ai_score = 80
        session.get(Lead, 2).ai_score = 69
    assert _members(settings, min_ai_score=70) == [1]
