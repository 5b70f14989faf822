"""HMAC-signed unsubscribe tokens.

The token travels in List-Unsubscribe URLs and the footer link, so it must be
URL-safe, must name who to unsubscribe without a database lookup, and must not
be forgeable: a forged or altered token unsubscribes nobody.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from leadq.errors import ValidationFailed

_VERSION = "1"


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


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), f"{_VERSION}.{payload}".encode(), hashlib.sha256).digest()
    return _b64(digest[:18])


def make_token(claim: UnsubscribeClaim, secret: str) -> str:
    """``1.<payload>.<signature>``; the payload is the claim, base64url."""
    payload = _b64(f"{claim.lead_id}:{claim.campaign_id}:{claim.email}".encode())
    return f"{_VERSION}.{payload}.{_signature(secret, payload)}"


def read_token(token: str, secret: str) -> UnsubscribeClaim:
    """The claim in a token whose signature checks out; ValidationFailed otherwise."""
    try:
        version, payload, signature = token.split(".")
    except (AttributeError, ValueError):
        raise ValidationFailed("malformed unsubscribe token") from None
    if version != _VERSION or not hmac.compare_digest(signature, _signature(secret, payload)):
        raise ValidationFailed("unsubscribe token signature does not match")
    try:
        lead_id, campaign_id, email = _unb64(payload).decode().split(":", 2)
        return UnsubscribeClaim(email=email, lead_id=int(lead_id), campaign_id=int(campaign_id))
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("malformed unsubscribe token payload") from None
