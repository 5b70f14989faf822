"""Contact details out of scraped text: phones (E.164), emails, websites, prices.

Scraped text is hostile, so every regex here is linear-time: character
classes with bounded repeats and no nested quantifiers, so a crafted page
cannot hold a worker's GIL for seconds (catastrophic backtracking).
"""

from __future__ import annotations

import re

import phonenumbers

#: Local part and domain bounded (RFC 5321 limits) to keep the scan linear.
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")
URL_RE = re.compile(r"\bhttps?://[^\s<>\"'()]{1,2000}")
#: A digit run with phone punctuation: bounded and without nested repeats, so linear.
PHONE_CANDIDATE_RE = re.compile(r"\+?\(?\d[\d ().\-\u00a0]{5,22}\d")
PRICE_RE = re.compile(r"([$£€¥₹])?\s{0,3}(\d{1,3}(?:,\d{3}){1,6}|\d{1,15})(?:\.(\d{1,2}))?")
SYMBOL_CURRENCY = {"£": "GBP", "€": "EUR", "₹": "INR"}
#: Longest text handed to the phone matcher: keeps one hostile body from
#: dominating a worker, and no real posting is longer.
MAX_TEXT = 200_000


def normalize_phone(raw: str | None, region: str = "US") -> str | None:
    """E.164 form of ``raw`` when it is a valid number, else None."""
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw[:64], region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_phones(text: str, region: str = "US") -> list[str]:
    """Every valid phone number in ``text``, E.164, in order of appearance, no repeats.

    phonenumbers' matcher tries every digit run it sees (sizes, VINs, prices),
    which made it most of a posting's parse time; a linear pre-scan hands it
    only digit runs long enough to be a phone, with one character of context
    either side so its "no letter next to the number" check still applies.
    """
    found: list[str] = []
    text = text[:MAX_TEXT]
    for candidate in PHONE_CANDIDATE_RE.finditer(text):
        digits = sum(char.isdigit() for char in candidate.group(0))
        if digits < 7:
            continue
        window = text[max(candidate.start() - 1, 0) : candidate.end() + 1]
        for match in phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.VALID):
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in found:
                found.append(e164)
    return found


def find_emails(text: str) -> list[str]:
    """Every email address in ``text``, lower-cased, in order, no repeats."""
    found: list[str] = []
    for match in EMAIL_RE.finditer(text[:MAX_TEXT]):
        email = match.group(0).strip(".").lower()
        if "@" in email and not email.startswith("@") and email not in found:
            found.append(email)
    return found


def find_urls(text: str) -> list[str]:
    """Every http(s) URL in ``text``, trailing punctuation removed, no repeats."""
    found: list[str] = []
    for match in URL_RE.finditer(text[:MAX_TEXT]):
        url = match.group(0).rstrip(".,;:!?")
        if url not in found:
            found.append(url)
    return found


def parse_price(text: str | None) -> tuple[float | None, str | None]:
    """(amount, ISO currency) from a price label like "$1,200"; Nones when absent.

    "$" is ambiguous (USD, CAD, AUD ...), so it yields no currency: the caller
    takes the currency from the page's structured data instead of guessing.
    """
    if not text:
        return None, None
    match = PRICE_RE.search(text)
    if not match:
        return None, None
    symbol, whole, cents = match.groups()
    amount = float(whole.replace(",", "") + (f".{cents}" if cents else ""))
    return amount, SYMBOL_CURRENCY.get(symbol or "")


def clean(text: str | None) -> str | None:
    """Collapse whitespace; empty becomes None."""
    if text is None:
        return None
    collapsed = " ".join(text.split())
    return collapsed or None
