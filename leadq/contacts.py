"""Contact details in hostile text: phones (E.164), email addresses, URLs and website domains.

The one place leadq finds and normalises them, so a listing parser, the
website crawler, the lead store, the mailer and the Sentry scrubber agree on
what an address or a domain is. Scraped text is hostile, so every pattern
here runs in linear time: each quantifier is bounded or followed by a
character it cannot consume, no quantified group contains an unbounded
quantifier, and a lookbehind stops a match from starting inside a longer run
of the same characters; texts are cut to ``MAX_TEXT`` before they are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar
from urllib.parse import urlsplit

import phonenumbers

from leadq.settings.enrich import DEFAULT_PHONE_REGION

#: An address written in text. Bounded by the RFC 5321 limits (64-character
#: local part, 63-character labels); the top-level domain is letters, so
#: "leadq@0.1.0" and "logo@2x" are not addresses.
EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![\w-])"
)
#: One mailbox someone typed (a sender, a test address): every RFC 5322 atext
#: character is allowed in the local part (o'brien@...), but no quotes, spaces,
#: angle brackets or controls; anything stranger is refused rather than interpreted.
MAILBOX = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
# "name [at] domain [dot] com", "name(at)domain.com", "name {at} domain": only
# the bracketed forms, because a bare " at " or " dot " is ordinary prose.
OBFUSCATED_AT = re.compile(r"[ \t]{0,3}[\[({][ \t]{0,3}at[ \t]{0,3}[\])}][ \t]{0,3}", re.IGNORECASE)
OBFUSCATED_DOT = re.compile(r"[ \t]{0,3}[\[({][ \t]{0,3}dot[ \t]{0,3}[\])}][ \t]{0,3}", re.IGNORECASE)
URL = re.compile(r"\bhttps?://[^\s<>\"'()]{1,2000}")
#: A digit run with phone punctuation: bounded and without nested repeats, so linear.
PHONE_CANDIDATE = re.compile(r"\+?\(?\d[\d ().\-\u00a0]{5,22}\d")

# "logo@2x.png" looks like an address; so does any retina image name.
NOT_A_TLD = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "css", "js"})
# Addresses that sit in templates and error trackers, not in anyone's inbox.
PLACEHOLDER_DOMAINS = frozenset(
    {"example.com", "example.org", "example.net", "domain.com", "yourdomain.com", "sentry.io", "wixpress.com"}
)
#: Longest text read for contact details: no real page or posting is longer,
#: and one hostile body cannot dominate a worker.
MAX_TEXT = 200_000
#: Enough phone candidates for any real page; a page with more is noise or an attack.
MAX_PHONE_CANDIDATES = 200

T = TypeVar("T")


def unique(items: Iterable[T]) -> list[T]:
    """``items`` without repeats, first occurrence kept."""
    return list(dict.fromkeys(items))


def deobfuscate(text: str) -> str:
    """Turn the bracketed "[at]" / "(dot)" spellings back into "@" and "."."""
    return OBFUSCATED_DOT.sub(".", OBFUSCATED_AT.sub("@", text))


def clean_email(candidate: str) -> str | None:
    """The lower-cased address, or None for image names, placeholders and junk."""
    address = candidate.strip().strip(".").lower()
    if EMAIL.fullmatch(address) is None:
        return None
    local, _, domain = address.rpartition("@")
    if domain.rsplit(".", 1)[-1] in NOT_A_TLD or domain in PLACEHOLDER_DOMAINS:
        return None
    if local.startswith(".") or ".." in address:
        return None
    return address


def find_emails(text: str) -> list[str]:
    """Addresses written in ``text``, plain or simply obfuscated, lower-cased, in order, no repeats."""
    found = (clean_email(match.group()) for match in EMAIL.finditer(deobfuscate(text[:MAX_TEXT])))
    return unique(address for address in found if address)


def valid_address(value: str | None) -> str | None:
    """The address (domain lower-cased) when ``value`` is one plain mailbox; None otherwise."""
    if not value:
        return None
    candidate = value.strip()
    if not MAILBOX.fullmatch(candidate):
        return None
    local, _, domain = candidate.rpartition("@")
    if ".." in domain or "." not in domain or len(local) > 64:
        return None
    return f"{local}@{domain.lower()}"


def normalize_phone(raw: str | None, region: str = DEFAULT_PHONE_REGION) -> str | None:
    """E.164 form of ``raw`` read as a number in ``region`` (ISO 3166 alpha-2), or None if not valid."""
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw[:64], region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_phones(text: str, region: str = DEFAULT_PHONE_REGION) -> list[str]:
    """Every valid phone number in ``text``, E.164, in order of appearance, no repeats.

    phonenumbers' matcher tries every digit run it sees (sizes, VINs, prices),
    which made it most of a posting's parse time; a linear pre-scan hands it
    only digit runs long enough to be a phone, with one character of context
    either side so its "no letter next to the number" check still applies.
    """
    found: list[str] = []
    text = text[:MAX_TEXT]
    runs = PHONE_CANDIDATE.finditer(text)
    candidates = (run for run in runs if sum(char.isdigit() for char in run[0]) >= 7)
    for count, candidate in enumerate(candidates):
        if count >= MAX_PHONE_CANDIDATES:
            break
        window = text[max(candidate.start() - 1, 0) : candidate.end() + 1]
        for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.VALID):
            found.append(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    return unique(found)


def find_urls(text: str) -> list[str]:
    """Every http(s) URL in ``text``, trailing punctuation removed, in order, no repeats."""
    return unique(match.group(0).rstrip(".,;:!?") for match in URL.finditer(text[:MAX_TEXT]))


def website_domain(url: str | None) -> str | None:
    """The host of a website URL, lower-cased, without ``www.``; None when there is none.

    example.com and www.example.com are one site. A host without a dot
    ("N/A", "localhost") is no website's domain: two leads must not merge on it.
    """
    if not url:
        return None
    if "://" not in url:
        url = "http://" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return host.removeprefix("www.")
