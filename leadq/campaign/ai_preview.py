"""What the AI engine would write to a lead, shown before anything is sent.

`leadq ai write` (and its actor, generate_email_content) shows the draft with
the fact guard's verdict and, for a campaign step, the template it falls back
to; `leadq email preview` of a ``writer = "ai"`` step shows the body that
would really go out. Both ask the model through the answer cache with the
same prompt the email actor uses, so previewing pays once and sending then
reuses the answer.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from leadq.ai.engine import ModelCall
from leadq.ai.score_service import lead_facts
from leadq.ai.writer import write_email
from leadq.campaign.ai_drafts import DraftRequest, decide_body
from leadq.campaign.audits import latest_audit
from leadq.campaign.models import Campaign, CampaignStep
from leadq.campaign.service import find_campaign, steps_of
from leadq.db import session_scope
from leadq.errors import Deferred, TransientError, ValidationFailed
from leadq.leads.models import Lead
from leadq.mail.compose import sender_of
from leadq.mail.templates import TemplateSource, render
from leadq.mail.variables import template_variables


def write_for_lead(
    call: ModelCall, lead_id: int, *, campaign: str | None = None, step: int = 1
) -> dict[str, Any]:
    """The draft for a lead (optionally for a campaign's step), and what would be used.

    ``used`` is "draft" when the fact guard accepted it (or there is no template to fall back
    to), else "template", whose rendered subject and text are under "template".
    """
    settings = call.settings
    with session_scope(settings) as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise ValidationFailed(f"no lead with id {lead_id}")
        facts = lead_facts(lead, session=session)
        chosen = found = None
        if campaign is not None:
            found = find_campaign(campaign, session=session)
            chosen = next((s for s in steps_of(found.id, session=session) if s.number == step), None)
            if chosen is None:
                raise ValidationFailed(f"campaign {found.name!r} has no step {step}")
        sender = sender_of(settings, found.sender if found else None)
        sender_name = sender.display_name or sender.addr_spec
        fallback = None
        if chosen is not None:
            variables = template_variables(
                lead,
                audit=latest_audit(lead_id, session=session),
                campaign_name=found.name,
                sender_name=sender_name,
                step_number=step,
            )
            fallback = render(TemplateSource(chosen.subject, chosen.text, chosen.html), variables)
    # The model call runs outside any transaction: it may take seconds.
    draft = write_email(
        facts, call, sender_name=sender_name, template_subject=chosen.subject if chosen else None
    )
    used = "draft" if draft.accepted or fallback is None else "template"
    result = {**draft.as_dict(), "used": used}
    if fallback is not None:
        result["template"] = {"subject": fallback.subject, "text": fallback.text}
    return result


def preview_body(
    call: ModelCall, *, campaign: Campaign, step: CampaignStep, lead: Lead, session: Session
) -> tuple[str | None, str | None]:
    """For a ``writer = "ai"`` step: (the accepted AI body, None), or (None, why the template
    is sent instead): the fact guard's rejection, the rules engine, or the model unavailable."""
    sender = sender_of(call.settings, campaign.sender or None)
    request = DraftRequest(
        facts=lead_facts(lead, session=session),
        sender_name=sender.display_name or sender.addr_spec,
        template_subject=step.subject,
        where=f"preview of campaign {campaign.name!r} step {step.number} for lead {lead.id}",
    )
    try:
        values = decide_body(request, call)
    except (Deferred, TransientError) as exc:  # a worker would wait and ask again; a preview cannot
        return None, f"AI unavailable now ({exc}); a worker would draft it when it sends"
    if values["body_writer"] == "ai":
        return values["ai_body"], None
    return None, values["ai_rejected"]
