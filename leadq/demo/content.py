"""What a demo page says about a business, from its lead record: plain values for the template.

Every value is scraped, so hostile until proven otherwise. Nothing here
escapes HTML (the template's autoescape does); what it does is keep scraped
text out of places escaping cannot protect: the only URL built from it is a
``tel:`` link of digits, and the page title and footer get a shortened name.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import phonenumbers

from leadq.demo.industry import Industry
from leadq.leads.models import Lead

#: Characters of the name shown in the title, the header and the footer.
SHORT_NAME = 60
#: Longest scraped text kept for any one field (a page does not need more).
MAX_TEXT = 2000
#: Days in the order a week is shown, for hours stored as a dict.
WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: C0/C1 controls and bidi overrides/isolates: a scraped name must not flip the text around it.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Service:
    title: str
    text: str


@dataclass
class Business:
    name: str
    short_name: str
    title: str
    summary: str
    tagline: str
    about: str
    category: str | None
    phone_display: str | None
    phone_tel: str | None
    address_lines: list[str]
    hours: list[tuple[str, str]]
    rating: float | None
    stars: str
    review_count: int | None
    services: list[Service] = field(default_factory=list)
    about_title: str = "About us"
    #: "template", or "ai" when the tagline and about text came from the AI engine (``ai_copy``).
    copy_writer: str = "template"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def clean(value: Any, limit: int = MAX_TEXT) -> str:
    """Scraped text as one line without control or direction-override characters, at most ``limit``."""
    text = _CONTROLS.sub("", str(value or ""))
    return " ".join(text.split())[:limit]


def shorten(text: str, limit: int = SHORT_NAME) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def phone_parts(phone: str | None, region: str = "US") -> tuple[str | None, str | None]:
    """(display, tel) of a phone; tel is E.164 digits only, so the link cannot carry anything else."""
    if not phone:
        return None, None
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return None, None
    if not phonenumbers.is_possible_number(number):
        return None, None
    tel = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    fmt = phonenumbers.PhoneNumberFormat
    display = phonenumbers.format_number(
        number, fmt.NATIONAL if number.country_code == 1 else fmt.INTERNATIONAL
    )
    return display, tel


def opening_hours(value: Any) -> list[tuple[str, str]]:
    """[(day, hours)] from a source's ``opening_hours`` (a dict, as Google Maps stores it)."""
    if not isinstance(value, dict):
        return []
    known = [day for day in WEEK if day in value]
    others = [day for day in value if day not in WEEK]
    return [(clean(day, 40), clean(value[day], 80)) for day in (*known, *others)][:14]


def business_of(lead: Lead, industry: Industry, *, extra: dict[str, Any] | None = None) -> Business:
    """The business as the demo shows it. ``extra`` is what the lead's sources saw beyond the
    lead's columns (``opening_hours``, ``description``, ``services``)."""
    extra = extra or {}
    name = clean(lead.name, 10_000) or "Your business"
    category = clean(lead.category, 100) or None
    display, tel = phone_parts(lead.phone, lead.country or "US")
    locality = " ".join(part for part in (clean(lead.region, 100), clean(lead.postal_code, 20)) if part)
    city_line = ", ".join(part for part in (clean(lead.city, 200), locality) if part)
    address_lines = [line for line in (clean(lead.address, 500), city_line) if line]
    rating = lead.rating if isinstance(lead.rating, int | float) and 0 <= lead.rating <= 5 else None
    review_count = lead.review_count if isinstance(lead.review_count, int) and lead.review_count > 0 else None
    services = [
        Service(clean(item, 80), "")
        for item in (extra.get("services") or [])
        if isinstance(item, str) and clean(item, 80)
    ][:9] or [Service(title, text) for title, text in industry.services]
    about = clean(extra.get("description")) or industry.about
    where = f" in {clean(lead.city, 200)}" if lead.city else ""
    tagline = f"{category}{where}. {industry.tagline}" if category else industry.tagline
    short = shorten(name)
    return Business(
        name=name,
        short_name=short,
        title=f"{short}{' — ' + shorten(category, 40) if category else ''}",
        summary=shorten(f"{short}: {tagline}", 155),
        tagline=tagline,
        about=about,
        category=category,
        phone_display=display,
        phone_tel=tel,
        address_lines=address_lines,
        hours=opening_hours(extra.get("opening_hours")),
        rating=round(rating, 1) if rating is not None else None,
        stars="★" * round(rating) + "☆" * (5 - round(rating)) if rating is not None else "",
        review_count=review_count,
        services=services,
    )
