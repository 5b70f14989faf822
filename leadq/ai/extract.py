"""Contact details out of free text: a posting, an About page, an email signature.

The rules engine is leadq's own extractors (emails with their deobfuscation and
placeholder filter, phones through phonenumbers, URLs). A model also reads the
business name, services and city, but its phone, email and website are kept
only when they literally occur in the input: a model may misread, and must
never invent, a way to contact someone.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from leadq.ai.engine import ModelCall
from leadq.ai.prompts import render
from leadq.ai.schemas import ExtractAnswer
from leadq.ai.text import InputText
from leadq.contacts import deobfuscate, find_emails, find_phones, find_urls, normalize_phone
from leadq.leads.website_keys import is_profile_page

_SPACES = re.compile(r"\s+")


@dataclass
class Extracted:
    business_name: str | None = None
    services: list[str] = field(default_factory=list)
    phone: str | None = None  # E.164
    email: str | None = None
    website: str | None = None
    city: str | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    engine: str = "rules"
    #: Values a model gave that are not in the input, so were dropped.
    dropped: list[str] = field(default_factory=list)
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rules_extract(text: str, *, region: str = "US") -> Extracted:
    emails = find_emails(text)
    phones = find_phones(text, region)
    websites = [url for url in find_urls(text) if not is_profile_page(url)]
    return Extracted(
        phone=next(iter(phones), None),
        email=next(iter(emails), None),
        website=next(iter(websites), None),
        phones=phones,
        emails=emails,
    )


def occurs(value: str, text: str) -> bool:
    """Whether ``value`` is written in ``text`` (case and runs of whitespace aside)."""
    squash = lambda s: _SPACES.sub(" ", s).strip().lower()  # noqa: E731
    return bool(value.strip()) and squash(value) in squash(text)


def _literal_phone(value: str, text: str, found: list[str], region: str) -> str | None:
    e164 = normalize_phone(value, region)
    if e164 and (e164 in found or occurs(value, text)):
        return e164
    return None


def _literal_website(value: str, text: str) -> str | None:
    bare = re.sub(r"^https?://", "", value.strip(), flags=re.IGNORECASE).rstrip("/")
    if occurs(value.rstrip("/"), text) or (bare and occurs(bare, text)):
        return value.strip() if "://" in value else "http://" + bare
    return None


def extract(source: InputText, call: ModelCall, *, region: str = "US") -> Extracted:
    """Rules always; with a model, its answer checked against the text."""
    text = source.text
    result = rules_extract(text, region=region)
    result.truncated = source.truncated
    if not call.uses_model:
        return result
    answer = call.ask(render("extract", text=text), ExtractAnswer)
    result.engine = "openai"
    result.business_name = answer.business_name
    result.services = answer.services
    result.city = answer.city
    plain = deobfuscate(text)
    if answer.phone:
        phone = _literal_phone(answer.phone, text, result.phones, region)
        result.phone = phone or result.phone
        if phone is None:
            result.dropped.append(answer.phone)
    if answer.email:
        email = answer.email.strip().lower()
        if occurs(email, plain):
            result.email = email
        else:
            result.dropped.append(answer.email)
    if answer.website:
        website = _literal_website(answer.website, text)
        result.website = website or result.website
        if website is None:
            result.dropped.append(answer.website)
    return result
