"""One outreach message for (campaign step, lead): what `deliver` sends and `preview` shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage

from sqlmodel import Session

from leadq.campaign.audits import latest_audit
from leadq.campaign.models import Campaign, CampaignStep
from leadq.demo.store import demo_links
from leadq.leads.models import Lead
from leadq.mail.compose import compose, message_id_for, sender_of, unsubscribe_links
from leadq.mail.headers import mailbox, parse_sender
from leadq.mail.templates import TemplateSource, render, text_to_html
from leadq.mail.testmode import envelope_recipient
from leadq.mail.tokens import UnsubscribeClaim, issue_token
from leadq.mail.variables import template_variables
from leadq.settings import Settings


def build_outreach(
    settings: Settings,
    *,
    campaign: Campaign,
    step: CampaignStep,
    lead: Lead,
    to_email: str,
    now: datetime,
    session: Session,
    body: str | None = None,
) -> EmailMessage:
    """Render the step's template for the lead and add every compliance part.

    ``body``, when given, replaces the template's text (and HTML) body: the
    stored AI draft of a ``writer = "ai"`` step. The subject stays the template's.

    Raises ValidationFailed when the template cannot render for this lead or the
    address is unusable, ConfigError when sender or unsubscribe settings are missing.
    """
    sender = sender_of(settings, campaign.sender or None)
    variables = template_variables(
        lead,
        audit=latest_audit(lead.id, session=session),
        campaign_name=campaign.name,
        sender_name=sender.display_name,
        step_number=step.number,
        demo=demo_links(lead.id, session=session),
    )
    rendered = render(TemplateSource(step.subject, step.text, step.html), variables)
    if body is not None:
        rendered = replace(rendered, text=body, html=text_to_html(body))
    claim = UnsubscribeClaim(email=to_email, lead_id=lead.id, campaign_id=campaign.id or 0)
    token = issue_token(settings, claim, now=now, session=session)
    return compose(
        rendered,
        sender=sender,
        recipient=mailbox(envelope_recipient(settings, to_email), lead.name),
        message_id=message_id_for(campaign.id or 0, step.id or 0, lead.id, sender.domain),
        date=now,
        postal_address=settings.postal_address or "",
        links=unsubscribe_links(settings, token, sender),
        reply_to=parse_sender(campaign.reply_to) if campaign.reply_to else None,
    )
