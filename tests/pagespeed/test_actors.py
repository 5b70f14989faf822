"""The pagespeed actors on the embedded broker, with PSI played by a local server."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from leadq.clock import utcnow
from leadq.core.broker import setup_broker
from leadq.core.enqueue import send
from leadq.core.inline import run_until_idle
from leadq.core.jobs import get_job, list_jobs
from leadq.db import session_scope
from leadq.leads.models import Lead
from leadq.pagespeed.record import AuditRecord
from leadq.pagespeed.store import audit_history, save_audit
from leadq.settings import Settings

from .conftest import Reply

PSI_2019 = Path(__file__).parents[1] / "fixtures" / "psi" / "psi-v5-response-2019-html5rocks-desktop.json"


@pytest.fixture
def psi_settings(settings: Settings, server) -> Settings:
    server.route("/v5/runPagespeed", Reply(200, PSI_2019.read_bytes(), {"Content-Type": "application/json"}))
    return settings.model_copy(update={"psi_base_url": server.url + "/v5", "psi_api_key": "k"})


@pytest.fixture
def broker(psi_settings):
    return setup_broker(psi_settings, inline=True)


def add_lead(settings: Settings, website: str | None) -> int:
    with session_scope(settings) as session:
        lead = Lead(name="Joe's Plumbing", website=website, source="test")
        session.add(lead)
        session.flush()
        return lead.id


def test_audit_website_stores_the_audit_in_the_leads_history(psi_settings, broker) -> None:
    from leadq.actors.pagespeed import audit_website

    lead_id = add_lead(psi_settings, "www.html5rocks.com/en/")
    job_id = send(audit_website, lead_id=lead_id, strategy="desktop")
    run_until_idle(timeout=30)
    assert get_job(psi_settings, job_id).state == "succeeded"
    with session_scope(psi_settings) as session:
        [audit] = audit_history(session=session, lead_id=lead_id)
        assert audit.url == "http://www.html5rocks.com/en/"
        assert audit.engine == "psi"
        assert audit.performance_score == 99


def test_a_lead_without_a_website_fails_permanently(psi_settings, broker) -> None:
    from leadq.actors.pagespeed import audit_website

    job_id = send(audit_website, lead_id=add_lead(psi_settings, None))
    # Retries back off 5 s, 10 s, 20 s ...: finishing within 4 s means no retry happened.
    run_until_idle(timeout=4)
    job = get_job(psi_settings, job_id)
    assert job.state == "dead"
    assert job.error_type == "ValidationFailed"
    assert "has no website" in job.error_message


def test_audit_pending_enqueues_only_leads_without_a_recent_audit(psi_settings, broker) -> None:
    from leadq.actors.pagespeed import audit_pending

    fresh = add_lead(psi_settings, "https://fresh.example")
    stale = add_lead(psi_settings, "https://stale.example")
    add_lead(psi_settings, None)
    never = add_lead(psi_settings, "https://never.example")
    record = AuditRecord(url="https://x.example", final_url=None, engine="psi", strategy="mobile")
    with session_scope(psi_settings) as session:
        save_audit(record, session=session, lead_id=fresh)
        old = save_audit(record, session=session, lead_id=stale)
        old.created_at = utcnow() - timedelta(days=psi_settings.pagespeed_stale_days + 1)
    parent = send(audit_pending)
    run_until_idle(timeout=30)
    children = list_jobs(psi_settings, parent_id=parent)
    assert len(children) == 2
    with session_scope(psi_settings) as session:
        counts = {lead: len(audit_history(session=session, lead_id=lead)) for lead in (fresh, stale, never)}
    assert counts == {fresh: 1, stale: 2, never: 1}


def test_running_audit_pending_twice_does_not_double_the_work(psi_settings, broker) -> None:
    from leadq.actors.pagespeed import audit_pending

    add_lead(psi_settings, "https://once.example")
    first = send(audit_pending)
    second = send(audit_pending)
    run_until_idle(timeout=30)
    ids = {job.id for parent in (first, second) for job in list_jobs(psi_settings, parent_id=parent)}
    assert len(ids) == 1


def test_psi_calls_over_the_keys_rate_limit_wait_without_failing(psi_settings) -> None:
    from leadq.errors import UserError

    limited = psi_settings.model_copy(update={"psi_rate_limit": 1, "psi_rate_period": 60})
    setup_broker(limited, inline=True)
    from leadq.actors.pagespeed import audit_website

    first = send(audit_website, url="https://a.example/", strategy="mobile")
    second = send(audit_website, url="https://b.example/", strategy="mobile")
    with pytest.raises(UserError, match="still running"):
        run_until_idle(timeout=3)
    jobs = [get_job(limited, first), get_job(limited, second)]
    assert sorted(job.state == "succeeded" for job in jobs) == [False, True], "one call waits for the window"
    waiting = next(job for job in jobs if job.state != "succeeded")
    # Deferred, not failed: back in the queue (or trying its next window), no retry spent.
    assert waiting.state in ("enqueued", "running")
    assert waiting.attempt == 1


def test_report_and_demo_audits_share_the_psi_keys_rate_limit(psi_settings) -> None:
    from leadq.cli.errors import one_line

    from leadq.errors import Deferred
    from leadq.pagespeed.service import audit_and_store, resolve_target

    limited = psi_settings.model_copy(update={"psi_rate_limit": 1, "psi_rate_period": 60})
    setup_broker(limited, inline=True)
    from leadq.actors.pagespeed import audit_website

    send(audit_website, url="https://a.example/", strategy="mobile")
    run_until_idle(timeout=10)
    # What `leadq report audit` and a demo's audit call, outside any audit job.
    target = resolve_target(limited, url="https://b.example/", lead_id=None, strategy="mobile", engine="psi")
    with pytest.raises(Deferred) as raised:
        audit_and_store(limited, target)
    message, code = one_line(raised.value)
    assert code == 1 and "rate limit 1/60s reached" in message and "try again in" in message
