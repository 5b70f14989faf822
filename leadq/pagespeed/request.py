"""What `leadq pagespeed run` asks for, as one typed value: the command and a user schedule share it.

``audit_batch`` checks the options the way the command does and returns an
``AuditBatch``; `leadq pagespeed run` enqueues it at once
(``leadq.actors.pagespeed.enqueue_audits``), `leadq schedule add` stores it
as JSON and the scheduler enqueues it on every tick.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from leadq.errors import UsageError

Strategy = Literal["mobile", "desktop"]
Engine = Literal["psi", "local", "lighthouse"]


class AuditBatch(BaseModel):
    """Audits of given URLs, or (``pending``) of every lead whose audit is missing or stale."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urls: list[str] = []
    pending: bool = False
    #: With ``pending``: at most this many leads.
    limit: int | None = None
    strategies: list[Strategy] = ["mobile"]
    #: None: ``LEADQ_PAGESPEED_ENGINE`` of the worker that runs the audit.
    engine: Engine | None = None


def audit_batch(
    *,
    urls: list[str] | None,
    pending: bool,
    limit: int | None,
    strategy: str,
    engine: str | None,
) -> AuditBatch:
    """The batch `leadq pagespeed run` enqueues (``strategy``: mobile, desktop or both)."""
    if not urls and not pending:
        raise UsageError("give URLs to audit or --pending")
    strategies = ["mobile", "desktop"] if strategy == "both" else [str(strategy)]
    return AuditBatch(
        urls=list(urls or []),
        pending=pending,
        limit=limit,
        strategies=strategies,
        engine=str(engine) if engine else None,
    )
