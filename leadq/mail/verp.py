"""VERP-style envelope senders: ``bounces+<row>-<mac>@LEADQ_BOUNCE_DOMAIN``.

A bounce goes to the envelope sender (Return-Path), so when each message has
its own, the bounce says which message failed even when the report drops the
original's headers (many do). The MAC (HMAC-SHA256 with the unsubscribe
secret, 12 hex digits) keeps a forged bounce from suppressing someone else.
"""

from __future__ import annotations

import hashlib
import hmac
import re

LOCAL_PART = "bounces"
TOKEN_RE = re.compile(rf"\b{LOCAL_PART}\+(\d+)-([0-9a-f]{{12}})@", re.IGNORECASE)


def _mac(row_id: int, secret: str) -> str:
    return hmac.new(secret.encode(), f"verp\0{row_id}".encode(), hashlib.sha256).hexdigest()[:12]


def envelope_sender(row_id: int, *, bounce_domain: str, secret: str) -> str:
    return f"{LOCAL_PART}+{row_id}-{_mac(row_id, secret)}@{bounce_domain}"


def outbound_ids_in(text: str, *, secret: str) -> list[int]:
    """Rows named by genuine tokens anywhere in ``text`` (header values), in order."""
    found = []
    for row, mac in TOKEN_RE.findall(text):
        if hmac.compare_digest(mac.lower(), _mac(int(row), secret)) and int(row) not in found:
            found.append(int(row))
    return found
