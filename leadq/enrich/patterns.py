"""Text patterns for contact details and dates in scraped pages.

Scraped text is hostile, so every pattern here runs in linear time: each
quantifier is either bounded or followed by a character it cannot consume, no
quantified group contains an unbounded quantifier, and a lookbehind stops a
match from starting inside a longer run of the same characters. A page of
200 KB of garbage therefore costs a couple of passes over it, never a
quadratic search.
"""

from __future__ import annotations

import re

import phonenumbers

# Bounded by the RFC 5321 limits (64-character local part, 63-character labels).
EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![\w-])"
)
# "name [at] domain [dot] com", "name(at)domain.com", "name {at} domain": only
# the bracketed forms, because a bare " at " or " dot " is ordinary prose.
OBFUSCATED_AT = re.compile(r"[ \t]{0,3}[\[({][ \t]{0,3}at[ \t]{0,3}[\])}][ \t]{0,3}", re.IGNORECASE)
OBFUSCATED_DOT = re.compile(r"[ \t]{0,3}[\[({][ \t]{0,3}dot[ \t]{0,3}[\])}][ \t]{0,3}", re.IGNORECASE)
# A run of digits and the separators people write in phone numbers; the
# phonenumbers library decides whether it is really a number.
PHONE_CANDIDATE = re.compile(r"(?<![\w+])\+?\(?\d[\d \t().\-]{6,18}\d(?!\w)")
COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright)[^0-9<>]{0,24}((?:19|20)\d\d)(?!\d)"
    r"(?:[ \t]{0,3}[-–—][ \t]{0,3}((?:19|20)\d\d)(?!\d))?",
    re.IGNORECASE,
)

# "logo@2x.png" looks like an address; so does any retina image name.
NOT_A_TLD = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "css", "js"})
# Addresses that sit in templates and error trackers, not in anyone's inbox.
PLACEHOLDER_DOMAINS = frozenset(
    {"example.com", "example.org", "example.net", "domain.com", "yourdomain.com", "sentry.io", "wixpress.com"}
)
# Enough candidates for any real page; a page with more is noise or an attack.
MAX_PHONE_CANDIDATES = 200


def deobfuscate(text: str) -> str:
    """Turn the bracketed "[at]" / "(dot)" spellings back into "@" and "."."""
    return OBFUSCATED_DOT.sub(".", OBFUSCATED_AT.sub("@", text))


def clean_email(candidate: str) -> str | None:
    """The lower-cased address, or None for image names, placeholders and junk."""
    address = candidate.strip().strip(".").lower()
    match = EMAIL.fullmatch(address)
    if match is None:
        return None
    local, _, domain = address.rpartition("@")
    if domain.rsplit(".", 1)[-1] in NOT_A_TLD or domain in PLACEHOLDER_DOMAINS:
        return None
    if local.startswith(".") or ".." in address:
        return None
    return address


def find_emails(text: str) -> list[str]:
    """Addresses written in ``text``, plain or simply obfuscated, in page order."""
    found = (clean_email(match.group()) for match in EMAIL.finditer(deobfuscate(text)))
    return unique(address for address in found if address)


def normalise_phone(raw: str, region: str) -> str | None:
    """E.164 form of ``raw`` read as a number in ``region``, or None if it is not valid."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_phones(text: str, region: str) -> list[str]:
    """Valid phone numbers written in ``text``, as E.164, in page order."""
    numbers = []
    for count, match in enumerate(PHONE_CANDIDATE.finditer(text)):
        if count >= MAX_PHONE_CANDIDATES:
            break
        numbers.append(normalise_phone(match.group(), region))
    return unique(number for number in numbers if number)


def copyright_year(text: str) -> int | None:
    """The latest year of the copyright notices in ``text`` ("© 2009-2016" -> 2016)."""
    years = [int(year) for match in COPYRIGHT.finditer(text) for year in match.groups() if year]
    return max(years, default=None)


def unique(items) -> list:
    """``items`` without repeats, first occurrence kept."""
    return list(dict.fromkeys(items))
