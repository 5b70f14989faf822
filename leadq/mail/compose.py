"""Build one outreach message: multipart plain + HTML with the compliance parts.

Every outreach message carries List-Unsubscribe (mailto and https) with
List-Unsubscribe-Post (RFC 8058 one-click) and a footer with the sender's
postal address and the unsubscribe link. They are added here, not by the
templates, so no template can forget them.
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote

from leadq.errors import ConfigError
from leadq.mail.headers import clean_header_text, parse_sender
from leadq.mail.templates import Rendered
from leadq.mail.wire import OUTREACH_POLICY, fold_list_header
from leadq.settings import Settings


@dataclass(frozen=True)
class UnsubscribeLinks:
    """The one-click URL (token in the query) and the mailto alternative."""

    url: str
    mailto: str


def sender_of(settings: Settings, override: str | None = None) -> Address:
    """The configured (or campaign's) sender as a safe Address."""
    value = override or settings.email_from
    if not value:
        raise ConfigError("LEADQ_EMAIL_FROM is not set (e.g. 'Ada at Studio <ada@studio.example>')")
    return parse_sender(value)


def unsubscribe_links(settings: Settings, token: str, sender: Address) -> UnsubscribeLinks:
    """The unsubscribe links carrying one recipient's token; ConfigError when not configured."""
    if not settings.unsubscribe_url:
        raise ConfigError("LEADQ_UNSUBSCRIBE_URL is not set (the public URL of `leadq unsubscribe serve`)")
    separator = "&" if "?" in settings.unsubscribe_url else "?"
    mailbox = settings.unsubscribe_mailto or f"unsubscribe@{sender.domain}"
    links = UnsubscribeLinks(
        url=f"{settings.unsubscribe_url}{separator}t={token}",
        mailto=f"mailto:{mailbox}?subject={quote('unsubscribe ' + token)}",
    )
    try:
        fold_list_header("List-Unsubscribe", list_unsubscribe(links))
    except ValueError as exc:
        raise ConfigError(
            f"LEADQ_UNSUBSCRIBE_URL / LEADQ_UNSUBSCRIBE_MAILTO cannot go in a List-Unsubscribe header: {exc}"
        ) from None
    return links


def list_unsubscribe(links: UnsubscribeLinks) -> str:
    """The RFC 2369 value: mailto first, then the one-click https URL."""
    return f"<{links.mailto}>, <{links.url}>"


def message_id_for(campaign_id: int, step_id: int, lead_id: int, sender_domain: str) -> str:
    """The same Message-ID every time for one (campaign step, lead): a resend is recognisable."""
    return f"<leadq.c{campaign_id}.s{step_id}.l{lead_id}@{sender_domain}>"


def footer_text(postal_address: str, links: UnsubscribeLinks | None) -> str:
    lines = ["", "--", clean_header_text(postal_address, max_length=300)]
    if links is not None:
        lines.append(f"Don't want these emails? Unsubscribe: {links.url}")
    return "\n".join(lines) + "\n"


def footer_html(postal_address: str, links: UnsubscribeLinks | None) -> str:
    parts = [f'<p style="color:#666;font-size:12px">{html_lib.escape(postal_address)}']
    if links is not None:
        url = html_lib.escape(links.url, quote=True)
        parts.append(f'<br>Don\'t want these emails? <a href="{url}">Unsubscribe</a>')
    return "<hr>" + "".join(parts) + "</p>"


def compose(
    rendered: Rendered,
    *,
    sender: Address,
    recipient: Address,
    message_id: str,
    date: datetime,
    postal_address: str,
    links: UnsubscribeLinks | None,
    reply_to: Address | None = None,
) -> EmailMessage:
    """A complete message; header values come only from validated or cleaned text."""
    message = EmailMessage(policy=OUTREACH_POLICY)
    message["From"] = sender
    message["To"] = recipient
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Subject"] = clean_header_text(rendered.subject)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    if links is not None:
        message["List-Unsubscribe"] = list_unsubscribe(links)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text.rstrip("\n") + "\n" + footer_text(postal_address, links))
    body = f"<!doctype html><html><body>{rendered.html}{footer_html(postal_address, links)}</body></html>"
    message.add_alternative(body, subtype="html")
    return message
