"""PageSpeed actors (queue ``pagespeed``): audit one website, or every lead that needs one."""

from __future__ import annotations

from datetime import UTC, datetime

from dramatiq.middleware import CurrentMessage

from leadq.core.broker import actor, current_runtime
from leadq.core.checkpoint import checkpoint
from leadq.core.enqueue import send, send_many
from leadq.db import session_scope
from leadq.pagespeed.request import AuditBatch
from leadq.pagespeed.service import audit_and_store, resolve_target
from leadq.pagespeed.store import leads_needing_audit


def audit_key(lead_id: int, strategy: str) -> str:
    """The idempotency key of a lead's audit: at most one per lead, strategy and (UTC) day,
    whether `audit_pending` or a `--pipeline` scrape asks for it."""
    return f"audit:{lead_id}:{strategy}:{datetime.now(UTC):%Y-%m-%d}"


@actor(queue="pagespeed", max_retries=4, time_limit=300, min_backoff=5, max_backoff=600)
def audit_website(
    url: str | None = None, lead_id: int | None = None, strategy: str = "mobile", engine: str | None = None
) -> None:
    """Audit a URL or a lead's website and store it in the lead's audit history.

    Idempotent: a redelivered message finds the audit it already stored
    (same target and strategy, stored after the message was first enqueued).
    PSI calls share one rate limit per API key across all workers (``psi_quota``).
    """
    target = resolve_target(
        current_runtime().settings, url=url, lead_id=lead_id, strategy=strategy, engine=engine
    )
    message = CurrentMessage.get_current_message()
    enqueued = datetime.fromtimestamp(message.message_timestamp / 1000, UTC) if message else None
    audit_and_store(current_runtime().settings, target, checkpoint=checkpoint, skip_if_since=enqueued)


@actor(queue="pagespeed", max_retries=3, time_limit=120)
def audit_pending(
    limit: int | None = None, strategies: list[str] | None = None, engine: str | None = None
) -> int:
    """Enqueue audits for leads with a website and no audit newer than ``pagespeed_stale_days``.

    Idempotent: each (lead, strategy) audit is enqueued under a unique key for the day,
    so running it twice does not double the work. Returns how many audits it enqueued.
    """
    settings = current_runtime().settings
    strategies = strategies or ["mobile"]
    with session_scope(settings) as session:
        leads = leads_needing_audit(session=session, stale_days=settings.pagespeed_stale_days, limit=limit)
    calls = [
        ((), {"lead_id": lead_id, "strategy": s, "engine": engine})
        for lead_id, _ in leads
        for s in strategies
    ]
    keys = [audit_key(kwargs["lead_id"], kwargs["strategy"]) for _, kwargs in calls]
    if calls:
        send_many(audit_website, calls, unique_keys=keys)
    return len(calls)


def enqueue_audits(batch: AuditBatch) -> list[str]:
    """Enqueue ``batch``; returns the job ids (one ``audit_pending`` job for a pending batch).

    What `leadq pagespeed run` does and what a user schedule of it does on each tick.
    """
    if batch.pending:
        return [send(audit_pending, limit=batch.limit, strategies=batch.strategies, engine=batch.engine)]
    calls = [
        ((), {"url": url, "strategy": strategy, "engine": batch.engine})
        for url in batch.urls
        for strategy in batch.strategies
    ]
    return send_many(audit_website, calls)


@actor(queue="pagespeed", max_retries=3, time_limit=300, min_backoff=5, max_backoff=300)
def publish_website_report(
    lead_id: int, strategies: list[str] | None = None, engine: str | None = None
) -> str:
    """Build a lead's website report from its newest audits (auditing what never was) and
    publish it beside the demos; outreach templates then get ``{{ audit.report_url }}``.

    Idempotent: a lead's report is published under the same token every time, replacing itself.
    """
    from leadq.report.publish import publish_lead_report

    return publish_lead_report(
        current_runtime().settings, lead_id, strategies or ["mobile", "desktop"], engine=engine
    )
