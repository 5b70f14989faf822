"""List-Unsubscribe as a real SMTP server receives it: plain folded <…> items, never RFC 2047."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.parser import BytesHeaderParser

import pytest

from leadq.errors import ConfigError
from leadq.mail.compose import compose, list_unsubscribe, sender_of, unsubscribe_links
from leadq.mail.headers import mailbox
from leadq.mail.smtp import SmtpTransport
from leadq.mail.templates import Rendered
from leadq.mail.tokens import UnsubscribeClaim, opaque_token
from leadq.mail.wire import fold_list_header
from tests.mail_fixtures import mail_settings_for

CLAIM = UnsubscribeClaim(email="owner@shop.example", lead_id=12345, campaign_id=678)
LONG_PATH = "/" + "/".join(f"segment-{n:03d}" for n in range(60))  # ~720 characters


def _send(settings, smtp_server, *, email: str, token: str) -> tuple[bytes, str]:
    """Send one composed message to the real server; returns (raw bytes received, List-Unsubscribe)."""
    sender = sender_of(settings)
    links = unsubscribe_links(settings, token, sender)
    message = compose(
        Rendered(subject="Hello", text="Hi.\n", html="<p>Hi.</p>"),
        sender=sender,
        recipient=mailbox(email),
        message_id="<leadq.c678.s1.l12345@studio.example>",
        date=datetime(2026, 12, 2, tzinfo=UTC),
        postal_address="Studio Ltd",
        links=links,
    )
    transport = SmtpTransport(settings, reuse=False)
    transport.send(message, sender="ada@studio.example", recipients=[email])
    return smtp_server.received[-1].data, list_unsubscribe(links)


def _raw_header(raw: bytes, name: bytes) -> bytes:
    """The header exactly as on the wire: its first line and its continuation lines."""
    found = re.search(rb"^" + re.escape(name) + rb":.*?\r\n(?![ \t])", raw, re.M | re.S | re.I)
    assert found, f"{name!r} missing from {raw[:400]!r}"
    return found.group(0)


@pytest.mark.parametrize(
    ("url", "token"),
    [
        ("https://studio.example/unsubscribe", opaque_token(CLAIM, "s")),
        ("https://studio.example/unsubscribe", "1." + "A" * 300 + ".signature"),
        (f"https://studio.example{LONG_PATH}?utm_source=leadq", opaque_token(CLAIM, "s")),
    ],
    ids=["opaque-token", "long-token", "long-url"],
)
def test_list_unsubscribe_reaches_the_server_as_plain_folded_items(tmp_path, smtp_server, url, token):
    settings = mail_settings_for(tmp_path, smtp_server.port, unsubscribe_url=url)
    raw, value = _send(settings, smtp_server, email=CLAIM.email, token=token)
    header = _raw_header(raw, b"List-Unsubscribe")
    assert b"=?" not in header
    lines = header.split(b"\r\n")[:-1]
    assert lines[0].startswith(b"List-Unsubscribe: <mailto:") and lines[0].endswith(b">,")
    assert lines[1].startswith(b" <https://") and lines[1].endswith(b">")
    assert len(lines) == 2 and all(len(line) <= 998 for line in lines)
    assert (
        _raw_header(raw, b"List-Unsubscribe-Post") == b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    )
    # A mail client's parser (both of Python's, the modern and the compat32 one) reads the same value back.
    assert message_from_bytes(raw, policy=policy.default)["List-Unsubscribe"] == value
    compat = BytesHeaderParser().parsebytes(raw)["List-Unsubscribe"]
    assert re.sub(r"\r?\n(?=[ \t])", "", compat) == value
    assert value.startswith("<mailto:") and url in value and f"t={token}>" in value


def test_an_unsubscribe_url_too_long_for_one_header_line_is_refused_before_sending(tmp_path, smtp_server):
    settings = mail_settings_for(
        tmp_path, smtp_server.port, unsubscribe_url="https://studio.example/" + "x" * 1000
    )
    with pytest.raises(ConfigError, match="998"):
        unsubscribe_links(settings, opaque_token(CLAIM, "s"), sender_of(settings))
    assert smtp_server.received == []


@pytest.mark.parametrize("bad", ["https://x.example/u", "<https://x.example/a b>", "<a>, <b> junk", "<é>"])
def test_a_value_that_is_not_a_list_of_urls_is_refused_rather_than_encoded(bad):
    with pytest.raises(ValueError):
        fold_list_header("List-Unsubscribe", bad)
