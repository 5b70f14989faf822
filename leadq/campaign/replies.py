"""The answer to a lead's reply the inbox filed, drafted with what leadq knows of the thread.

The inbox matched the reply to the campaign email it answers, and so to a
lead: the draft may draw on the lead's record and on that email as it was
rendered for the lead (the stored AI body of a ``writer = "ai"`` step, else
the step's template). What the inbox decided the message is stands: a
bounce, an away message or an unsubscribe request gets no draft, and a reply
it classified keeps its verdict. Nothing is sent: a person answers from
their own mail client.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from leadq.ai.classify import Classification, Reply
from leadq.ai.classify import classify as classify_reply
from leadq.ai.engine import ModelCall
from leadq.ai.replies import AnsweredEmail, ReplyDraft, draft_reply
from leadq.ai.score_service import lead_facts
from leadq.campaign.audits import latest_audit
from leadq.campaign.models import Campaign, CampaignStep
from leadq.db import session_scope
from leadq.demo.store import demo_links
from leadq.errors import LeadqError, ValidationFailed
from leadq.inbox.models import InboundMessage
from leadq.leads.models import Lead
from leadq.leads.outcomes import reply_verdict
from leadq.mail.compose import sender_of
from leadq.mail.models import OutboundMessage
from leadq.mail.templates import TemplateSource, render
from leadq.mail.variables import template_variables

#: What the inbox filed a message as, in the reply classifier's words: no answer is drafted.
FILED_AS = {
    "unsubscribe": "unsubscribe",
    "complaint": "unsubscribe",
    "auto-reply": "out_of_office",
    "bounce": "bounce",
}


def answered_email(
    row: OutboundMessage, lead: Lead, *, sender_name: str, session: Session
) -> AnsweredEmail | None:
    """The campaign email ``row`` as the lead got it; None when its step or campaign is gone
    or its template no longer renders."""
    step = session.get(CampaignStep, row.step_id)
    campaign = session.get(Campaign, row.campaign_id)
    if step is None or campaign is None:
        return None
    variables = template_variables(
        lead,
        audit=latest_audit(lead.id, session=session),
        campaign_name=campaign.name,
        sender_name=sender_name,
        step_number=step.number,
        demo=demo_links(lead.id, session=session),
    )
    try:
        rendered = render(TemplateSource(step.subject, step.text, step.html), variables)
    except LeadqError:
        return None
    return AnsweredEmail(rendered.subject, row.ai_body if row.body_writer == "ai" else rendered.text)


def _filed(inbound: InboundMessage) -> Classification | None:
    if inbound.kind in FILED_AS:
        return Classification(FILED_AS[inbound.kind], 1.0, f"filed by the inbox as {inbound.kind}", "inbox")
    verdict = reply_verdict(inbound.detail) if inbound.kind == "reply" else None
    return Classification(verdict, 1.0, "classified by the inbox", "inbox") if verdict else None


def draft_for_inbound(inbound_id: int, call: ModelCall) -> tuple[InboundMessage, ReplyDraft]:
    """The inbox message and the draft answering it."""
    settings = call.settings
    with session_scope(settings) as session:
        inbound = session.get(InboundMessage, inbound_id)
        if inbound is None:
            raise ValidationFailed(f"no inbox message {inbound_id} (`leadq inbox list`)")
        lead = session.get(Lead, inbound.lead_id) if inbound.lead_id is not None else None
        outbound = session.get(OutboundMessage, inbound.outbound_id) if inbound.outbound_id else None
        campaign = session.get(Campaign, inbound.campaign_id) if inbound.campaign_id else None
        sender = sender_of(settings, campaign.sender if campaign else None)
        sender_name = sender.display_name or sender.addr_spec
        facts = lead_facts(lead, session=session) if lead is not None else None
        answered = (
            answered_email(outbound, lead, sender_name=sender_name, session=session)
            if outbound is not None and lead is not None
            else None
        )
    reply = Reply(inbound.subject or "", inbound.from_email or "", inbound.body or "")
    # The model calls run outside any transaction: they may take seconds.
    classification = _filed(inbound) or classify_reply(reply, call)
    draft = draft_reply(reply, classification, call, sender_name=sender_name, lead=facts, answered=answered)
    return inbound, draft


def inbound_draft_dict(inbound: InboundMessage, draft: ReplyDraft) -> dict[str, Any]:
    """The draft with what a person needs to send it: whom to, and which message it answers."""
    return {
        **draft.as_dict(),
        "inbound_id": inbound.id,
        "to": inbound.from_email,
        "in_reply_to": inbound.message_id,
        "lead_id": inbound.lead_id,
        "campaign_id": inbound.campaign_id,
    }
