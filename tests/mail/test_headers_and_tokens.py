"""Header cleaning, address validation and signed unsubscribe tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadq.errors import ValidationFailed
from leadq.mail.compose import compose
from leadq.mail.headers import clean_display_name, clean_header_text, mailbox, parse_sender, valid_address
from leadq.mail.templates import Rendered
from leadq.mail.tokens import UnsubscribeClaim, read_legacy_token
from tests.mail_fixtures import LEGACY_TOKEN


@pytest.mark.parametrize("hostile", ["a\r\nBcc: x@y", "a\nb", "a\rb", "a\x00b", "a\x85b", "a\u2028b", "a\tb"])
def test_control_characters_never_survive_in_header_text(hostile):
    cleaned = clean_header_text(hostile)
    assert not any(ch in cleaned for ch in "\r\n\x00\x85\u2028\t")


def test_a_display_name_loses_quotes_and_brackets():
    assert clean_display_name('"Evil" <x@y>\r\n') == "Evil x@y"


@pytest.mark.parametrize(
    "bad",
    [
        "a@b",
        "a b@c.example",
        "a@b.example\r\nBcc: x@y.example",
        "<a@b.example>",
        "a@@b.example",
        "a@b..example",
        "",
    ],
)
def test_only_plain_single_mailboxes_are_valid_addresses(bad):
    assert valid_address(bad) is None


def test_an_address_domain_is_lower_cased():
    assert valid_address("Owner@Shop.EXAMPLE") == "Owner@shop.example"


def test_mailbox_refuses_an_injected_address():
    with pytest.raises(ValidationFailed):
        mailbox("x@y.example\nBcc: z@w.example")


def test_a_legacy_token_still_reads_as_the_claim_it_was_signed_for():
    claim = read_legacy_token(LEGACY_TOKEN, "test-secret-0123456789")
    assert claim == UnsubscribeClaim(email="owner0@shop0.example", lead_id=1, campaign_id=1)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.replace(t.split(".")[1], "MToxOmF0dGFja2VyQGV2aWwuZXhhbXBsZQ"),
        lambda t: "2" + t[1:],
        lambda t: "garbage",
    ],
)
def test_a_forged_or_altered_legacy_token_is_refused(tamper):
    with pytest.raises(ValidationFailed):
        read_legacy_token(tamper(LEGACY_TOKEN), "test-secret-0123456789")


def test_a_legacy_token_checked_with_another_secret_is_refused():
    with pytest.raises(ValidationFailed):
        read_legacy_token(LEGACY_TOKEN, "k")


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=120), subject=st.text(max_size=200))
def test_no_scraped_name_or_subject_can_add_split_or_redirect_a_header(name, subject):
    message = compose(
        Rendered(subject=subject, text="hi", html="<p>hi</p>"),
        sender=mailbox("ada@studio.example", "Ada"),
        recipient=mailbox("owner@shop.example", name),
        message_id="<leadq.c1.s1.l1@studio.example>",
        date=datetime(2026, 11, 23, tzinfo=UTC),
        postal_address="1 Main St",
        links=None,
    )
    raw = message.as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    top_level = [key.lower() for key in parsed.keys()]
    assert top_level == ["from", "to", "subject", "date", "message-id", "mime-version", "content-type"]
    assert [a.addr_spec for a in parsed["To"].addresses] == ["owner@shop.example"]
    assert not any(ch in parsed["Subject"] for ch in "\r\n")


@pytest.mark.parametrize(
    "malformed",
    [
        "Ada <ada@studio.example> bob@evil.example",
        "ada@studio.example, bob@evil.example",
        "Ada <ada@studio.example>, <bob@evil.example>",
        "bob@evil.example <ada@studio.example>",
        "ada@studio.example (Ada)",
        "Ada <ada@studio.example",
        '"Ada" <ada@studio.example>x',
        "Ada ada@studio.example",
    ],
)
def test_a_malformed_sender_is_refused_rather_than_rewritten_to_one_of_its_parts(malformed):
    with pytest.raises(ValidationFailed, match="not a usable sender"):
        parse_sender(malformed)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ada@studio.example", "ada@studio.example"),
        ("<ada@studio.example>", "ada@studio.example"),
        ("Ada at Studio <ada@studio.example>", "Ada at Studio <ada@studio.example>"),
        ('"Ada, Studio" <ada@studio.example>', '"Ada, Studio" <ada@studio.example>'),
    ],
)
def test_a_plain_sender_parses_to_itself(value, expected):
    assert str(parse_sender(value)) == expected
