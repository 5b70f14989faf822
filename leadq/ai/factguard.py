"""The fact guard: an email draft may only state what the lead record says.

A model writes fluent text and, now and then, a number, a link, a name or a
boast nobody gave it ("your 4.9 rating", "voted best in town"). Sent to a
real business, one invented fact costs the agency its credibility, so a
draft is checked before anyone sees it, and rejected with the offending
phrase when it:

- writes a number (a rating, a count, a year, a score, a price) that is not
  a number of the record;
- links or names a web address or email address the record does not have;
- names a business, person or place (two or more capitalised words) that
  does not appear in the record or the sender's name;
- makes a claim (awards, "best", "#1", certified, guaranteed ...) the record
  does not make.

It is deliberately strict: a rejected draft falls back to the campaign's own
template, which costs nothing, while a wrong fact costs a client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
URL_OR_DOMAIN = re.compile(
    r"\b(?:https?://)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,8}[a-z]{2,24}\b(?:/[^\s<>\"')]{0,500})?",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,8}", re.IGNORECASE)
PROPER_NAME = re.compile(r"\b[A-Z][\w'&-]*(?:[ \t]+(?:&[ \t]+)?[A-Z][\w'&-]*)+")
CLAIMS = re.compile(
    r"award|voted|#\s?1\b|number one|\bbest\b|top[- ]rated|certified|licensed|guarantee|accredited"
    r"|family[- ]owned|since \d{4}|years? in business|\bleading\b|world[- ]class",
    re.IGNORECASE,
)
#: Capitalised words a sentence may start with, or that name no fact ("Hi", "I", days).
ORDINARY = frozenset(
    """a an and as at but by for from hi hello hey dear i if in it its my no of on or our so that the
    their then there these this those to we what when which while who why with would you your yours
    thanks thank best regards cheers kind warm monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    google pagespeed mobile https seo""".split()
)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def _number(text: str) -> str:
    """ "1,200" and "1200" alike; "4.60" and "4.6" alike."""
    plain = text.replace(",", "")
    if "." in plain:
        plain = plain.rstrip("0").rstrip(".")
    return plain


def _host(text: str) -> str:
    host = re.sub(r"^https?://", "", text.lower()).split("/", 1)[0]
    return host.removeprefix("www.")


class FactSheet:
    """The values a draft may use: every number, address and name in the record (and the sender)."""

    def __init__(self, facts: dict[str, Any], *, sender_name: str = "") -> None:
        texts = [*_strings(facts), sender_name]
        self.text = "\n".join(texts).lower()
        self.numbers = {_number(m.group()) for text in texts for m in NUMBER.finditer(text)}
        # Floats such as 4.6 are stored as "4.6"; a rating written "4.60" still matches.
        self.hosts = {_host(m.group()) for text in texts for m in URL_OR_DOMAIN.finditer(text)}
        self.emails = {m.group().lower() for text in texts for m in EMAIL.finditer(text)}

    def knows_name(self, name: str) -> bool:
        words = [w for w in re.split(r"[ \t&]+", name) if w]
        if all(word.lower() in ORDINARY for word in words):
            return True
        if name.lower() in self.text:
            return True
        # "Hi Greenleaf Landscaping team" -> drop ordinary leading/trailing words and try again.
        while words and words[0].lower() in ORDINARY:
            words = words[1:]
        while words and words[-1].lower() in ORDINARY:
            words = words[:-1]
        return not words or " ".join(words).lower() in self.text


def check_draft(draft: str, sheet: FactSheet) -> list[str]:
    """The phrases of ``draft`` the record does not back, each with why; empty when it passes."""
    problems = []
    emails = {m.group().lower() for m in EMAIL.finditer(draft)}
    for address in sorted(emails - sheet.emails):
        problems.append(f"email address not in the record: {address!r}")
    without_emails = EMAIL.sub(" ", draft)
    for match in URL_OR_DOMAIN.finditer(without_emails):
        if _host(match.group()) not in sheet.hosts:
            problems.append(f"web address not in the record: {match.group()!r}")
    without_links = URL_OR_DOMAIN.sub(" ", without_emails)
    for match in NUMBER.finditer(without_links):
        if _number(match.group()) not in sheet.numbers:
            problems.append(f"number not in the record: {match.group()!r}")
    for match in PROPER_NAME.finditer(without_links):
        if not sheet.knows_name(match.group()):
            problems.append(f"name not in the record: {match.group()!r}")
    for match in CLAIMS.finditer(without_links):
        if match.group().lower() not in sheet.text:
            problems.append(f"claim the record does not make: {match.group()!r}")
    return problems
