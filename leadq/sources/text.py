"""Prices and whitespace out of scraped text (contact details are ``leadq.contacts``).

Scraped text is hostile, so every regex here is linear-time: character
classes with bounded repeats and no nested quantifiers, so a crafted page
cannot hold a worker's GIL for seconds (catastrophic backtracking).
"""

from __future__ import annotations

import re

PRICE_RE = re.compile(r"([$£€¥₹])?\s{0,3}(\d{1,3}(?:,\d{3}){1,6}|\d{1,15})(?:\.(\d{1,2}))?")
SYMBOL_CURRENCY = {"£": "GBP", "€": "EUR", "₹": "INR"}


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
