"""Opaque unsubscribe tokens: the link names a database row, never the address.

A token is ``2.<id>``: 128 bits derived with HMAC-SHA256 from the secret and
the (lead, campaign, address) it stands for, stored in ``unsubscribe_token``
when the message is built. The link reveals nothing about the recipient, it
cannot be guessed or forged without the secret, and building the same message
again (a retry, a preview) yields the same token instead of a new row.

Tokens of the first format (``1.<base64 of lead:campaign:address>.<HMAC>``)
put the address in every link; mail sent with them is still in inboxes, so
they are honoured while ``unsubscribe_accept_legacy_tokens`` is on (the
default) and never issued again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from leadq.errors import ConfigError, ValidationFailed
from leadq.mail.models import UnsubscribeToken
from leadq.settings import Settings

_OPAQUE = re.compile(r"2\.[A-Za-z0-9_-]{22}")


@dataclass(frozen=True)
class UnsubscribeClaim:
    """Who asked to unsubscribe, and from which campaign message (0 when none)."""

    email: str
    lead_id: int
    campaign_id: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_secret(settings: Settings) -> str:
    """The configured secret; ConfigError when there is none."""
    if settings.unsubscribe_secret is None or not settings.unsubscribe_secret.get_secret_value():
        raise ConfigError("LEADQ_UNSUBSCRIBE_SECRET is not set (a long random string)")
    return settings.unsubscribe_secret.get_secret_value()


def opaque_token(claim: UnsubscribeClaim, secret: str) -> str:
    """``2.<22 characters>``: the same claim and secret always give the same token."""
    message = f"unsubscribe-token\0{claim.lead_id}\0{claim.campaign_id}\0{claim.email}".encode()
    return "2." + _b64(hmac.new(secret.encode(), message, hashlib.sha256).digest()[:16])


def issue_token(settings: Settings, claim: UnsubscribeClaim, *, now: datetime, session: Session) -> str:
    """The claim's token, stored (once) so the endpoint can tell whom it unsubscribes."""
    token = opaque_token(claim, token_secret(settings))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(UnsubscribeToken)
        .values(
            token=token,
            email=claim.email,
            lead_id=claim.lead_id or None,
            campaign_id=claim.campaign_id or None,
            created_at=now,
        )
        .on_conflict_do_nothing()
    )
    return token


def _legacy_signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), f"1.{payload}".encode(), hashlib.sha256).digest()
    return _b64(digest[:18])


def read_legacy_token(token: str, secret: str) -> UnsubscribeClaim:
    """The claim of a first-format token whose signature checks out; ValidationFailed otherwise."""
    try:
        version, payload, signature = token.split(".")
    except ValueError:
        raise ValidationFailed("malformed unsubscribe token") from None
    if version != "1" or not hmac.compare_digest(signature, _legacy_signature(secret, payload)):
        raise ValidationFailed("unsubscribe token signature does not match")
    try:
        lead_id, campaign_id, email = _unb64(payload).decode().split(":", 2)
        return UnsubscribeClaim(email=email, lead_id=int(lead_id), campaign_id=int(campaign_id))
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("malformed unsubscribe token payload") from None


def resolve_token(token: str, *, settings: Settings, session: Session) -> UnsubscribeClaim:
    """Whom a token unsubscribes; ValidationFailed for an unknown, forged or retired token."""
    if _OPAQUE.fullmatch(token):
        row = session.get(UnsubscribeToken, token)
        if row is None:
            raise ValidationFailed("unknown unsubscribe token")
        return UnsubscribeClaim(email=row.email, lead_id=row.lead_id or 0, campaign_id=row.campaign_id or 0)
    if token.startswith("1.") and settings.unsubscribe_accept_legacy_tokens:
        return read_legacy_token(token, token_secret(settings))
    raise ValidationFailed("malformed unsubscribe token")
