"""The campaign and mail ledger on Postgres (when LEADQ_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from leadq.campaign.audience import audience_members
from leadq.campaign.models import Campaign
from leadq.campaign.spec import Audience
from leadq.campaign.stats import step_status
from leadq.core.broker import setup_broker
from leadq.db import session_scope
from leadq.mail.tokens import UnsubscribeClaim
from leadq.mail.unsubscribe import record_unsubscribe
from tests.campaign_factory import add_audits, add_leads, deliver_now, due_rows, launched_campaign

pytestmark = pytest.mark.postgres

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def pg_settings(mail_settings, postgres_url):
    schema = f"leadq_mail_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    settings = mail_settings.model_copy(
        update={"database_url": f"{postgres_url}?options=-csearch_path%3D{schema}"}
    )
    setup_broker(settings)
    yield settings
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_a_two_step_campaign_with_an_unsubscribe_runs_on_postgres(pg_settings, smtp_server, tmp_path):
    add_leads(pg_settings, 3)
    add_audits(pg_settings, [{"l": 1, "s": 80}, {"l": 2, "s": 90}, {"l": 3, "s": 10}])
    with session_scope(pg_settings) as session:
        members = audience_members(Audience(min_audit_score=50), now=MONDAY_10, session=session)
    assert members == [(1, "owner0@shop0.example"), (2, "owner1@shop1.example")]
    campaign_id = launched_campaign(pg_settings, tmp_path / "c", at=MONDAY_10)
    assert [deliver_now(pg_settings, i, MONDAY_10) for i in due_rows(pg_settings, MONDAY_10)] == ["sent"] * 3
    with session_scope(pg_settings) as session:
        claim = UnsubscribeClaim(email="owner0@shop0.example", lead_id=1, campaign_id=campaign_id)
        record_unsubscribe(claim, method="one-click", now=MONDAY_10 + timedelta(hours=1), session=session)
    later = MONDAY_10 + timedelta(days=3)
    assert [deliver_now(pg_settings, i, later) for i in due_rows(pg_settings, later)] == ["sent"] * 2
    with session_scope(pg_settings) as session:
        step1, step2 = step_status(session.get(Campaign, campaign_id), session=session)
    assert (step1["sent"], step1["unsubscribed"], step2["sent"]) == (3, 1, 2)
    assert (
        "It scored 80."
        in smtp_server.to("owner0@shop0.example")[0].message.get_body(("plain",)).get_content()
    )
