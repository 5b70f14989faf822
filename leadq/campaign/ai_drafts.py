"""Bodies the AI engine writes for ``writer = "ai"`` campaign steps, decided once per message.

The email actor calls ``prepare_body`` before ``deliver``. The model call
(seconds, or deferred by the AI budget) runs outside any transaction, and its
outcome is stored on the message row before the send is claimed: the body
the fact guard accepted, or "template" with the reason (the offending
phrases, or why no model wrote). ``deliver`` then sends exactly the stored
text, so a retry or a redelivered job never asks the model again and never
sends a different text. The subject is always the template's: nothing a
model writes reaches a header.

The rules engine writes no campaign copy: with ``LEADQ_AI_ENGINE=rules`` an
AI step sends its template (recorded as such, so `campaign status` shows it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from leadq.ai.engine import ModelCall
from leadq.ai.score_service import lead_facts
from leadq.ai.scoring import LeadFacts
from leadq.ai.writer import write_email
from leadq.campaign.models import Campaign, CampaignStep
from leadq.db import session_scope
from leadq.errors import PermanentError, UserError
from leadq.leads.models import Lead
from leadq.mail.compose import sender_of
from leadq.mail.models import OutboundMessage, as_utc
from leadq.mail.suppression import is_suppressed
from leadq.settings import Settings

log = logging.getLogger(__name__)

RULES_ENGINE = "LEADQ_AI_ENGINE=rules: the rules engine writes no campaign copy"


@dataclass(frozen=True)
class DraftRequest:
    """What the model is asked for one message, read in one short transaction."""

    facts: LeadFacts
    sender_name: str
    template_subject: str
    where: str


def _waiting_for_a_body(row: OutboundMessage) -> bool:
    """Undecided and still to be sent: queued, or a transient failure to retry."""
    sendable = row.state == "queued" or (row.state == "failed" and row.error_kind == "transient")
    return row.body_writer is None and sendable


def _request(row_id: int, *, settings: Settings, now: datetime) -> DraftRequest | None:
    """The drafting request for a due message of a running AI step, else None.

    Messages ``deliver`` will not send now (not due, paused, lead gone or
    suppressed, no usable sender) cost no model call: ``deliver`` handles them
    and the body is decided when the message is really about to go.
    """
    with session_scope(settings) as session:
        row = session.get(OutboundMessage, row_id)
        if row is None or not _waiting_for_a_body(row) or as_utc(row.scheduled_at) > now:
            return None
        step = session.get(CampaignStep, row.step_id)
        if step is None or step.writer != "ai":
            return None
        campaign = session.get(Campaign, row.campaign_id)
        lead = session.get(Lead, row.lead_id)
        if campaign is None or campaign.state != "running" or lead is None:
            return None
        if is_suppressed(row.to_email, session=session):
            return None
        try:
            sender = sender_of(settings, campaign.sender or None)
        except (UserError, PermanentError):
            return None
        return DraftRequest(
            facts=lead_facts(lead, session=session),
            sender_name=sender.display_name or sender.addr_spec,
            template_subject=step.subject,
            where=f"message {row_id} (campaign {campaign.name!r} step {step.number}, lead {lead.id})",
        )


def decide_body(request: DraftRequest, call: ModelCall) -> dict[str, str]:
    """The row's values: the accepted body, or the template and why.

    ``Deferred`` (budget, rate) and ``TransientError`` (model server down)
    propagate: the job runs again and asks again. A permanent model error
    (an invalid answer twice, a rejected key) falls back to the template.
    """
    if not call.uses_model:
        return {"body_writer": "template", "ai_rejected": RULES_ENGINE}
    try:
        draft = write_email(
            request.facts,
            call,
            sender_name=request.sender_name,
            template_subject=request.template_subject,
        )
    except PermanentError as exc:
        log.warning("%s: no AI draft (%s); the template is sent", request.where, exc)
        return {"body_writer": "template", "ai_rejected": f"no draft: {exc}"[:2000]}
    if not draft.accepted:
        reason = "; ".join(draft.problems)
        log.warning(  # the offending phrases, so the prompt or the record can be fixed
            "%s: AI draft rejected by the fact guard; the template is sent: %s", request.where, reason
        )
        return {"body_writer": "template", "ai_rejected": reason[:2000]}
    return {"body_writer": "ai", "ai_body": draft.body}


def prepare_body(row_id: int, *, settings: Settings, call: ModelCall, now: datetime) -> str | None:
    """Decide an AI step's body for one message, once; the row's ``body_writer`` afterwards.

    None when nothing is to be decided now: a template step, a message already
    decided or not being sent now. The first decision stored wins, so two
    workers racing on one row send one text.
    """
    request = _request(row_id, settings=settings, now=as_utc(now))
    if request is None:
        return None
    values = decide_body(request, call)
    with session_scope(settings) as session:
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == row_id, OutboundMessage.body_writer.is_(None))
            .values(updated_at=now, **values)
        )
        return session.execute(
            select(OutboundMessage.body_writer).where(OutboundMessage.id == row_id)
        ).scalar_one_or_none()
