"""Which industry template suits a lead, and the copy a demo uses where the lead's record is silent.

Matching is by words in the lead's category (as scraped: "Plumber", "Italian
restaurant", "Nail salon"); the first industry with a matching stem wins, and
anything else gets the generic template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Industry:
    key: str
    #: Word stems, "|"-separated, matched at the start of a word of the category (lower-case).
    stems: str
    tagline: str
    about: str
    services: tuple[tuple[str, str], ...]


INDUSTRIES = (
    Industry(
        "trades",
        (
            "plumb|electric|roof|hvac|heating|cooling|air condition|contractor|carpent|paint|"
            "landscap|lawn|locksmith|handyman|construct|builder|mechanic|auto|garage|fenc|"
            "floor|pest|moving|mover|clean|weld|glaz|tile|drywall|mason|pool|tree|septic|"
            "gutter|window"
        ),
        "Reliable local work, done right the first time.",
        "We are a local, family-run team. Honest quotes, clean work sites and jobs finished on time.",
        (
            ("Repairs", "Fast fixes when something breaks, with clear prices before we start."),
            ("Installations", "New fittings and systems installed safely and to code."),
            ("Maintenance", "Regular check-ups that stop small problems becoming big ones."),
        ),
    ),
    Industry(
        "food",
        (
            "restaurant|cafe|café|coffee|bakery|baker|pizza|bar\\b|pub\\b|food|cater|diner|grill|"
            "deli\\b|kitchen|bistro|taco|sushi|brew|burger|ice cream|dessert|tea\\b|juice|steak|"
            "seafood|thai|indian|chinese|mexican|italian|ramen|noodle|sandwich|donut|bagel|"
            "wine"
        ),
        "Fresh food, friendly faces, right in your neighbourhood.",
        "Everything we serve is made with care from good ingredients. Come in, or call ahead to order.",
        (
            ("Dine in", "A table for two or for the whole family."),
            ("Take away", "Call ahead and your order is ready when you arrive."),
            ("Catering", "Food for your office, party or event."),
        ),
    ),
    Industry(
        "beauty",
        (
            "salon|hair|barber|spa\\b|nail|beauty|massage|dental|dentist|clinic|chiropract|"
            "physio|therap|yoga|pilates|fitness|gym|health|medical|doctor|optometr|optician|"
            "veterin|wellness|esthetic|aesthetic|skin|tattoo|lash|brow|makeup|acupunct"
        ),
        "Look and feel your best, with people who care.",
        "Our experienced team takes the time to listen, so every visit is relaxed and every result is yours.",
        (
            ("Appointments", "Book a time that suits you; we keep to it."),
            ("Treatments", "Professional care with quality products."),
            ("Advice", "Honest recommendations for looking after yourself between visits."),
        ),
    ),
    Industry(
        "professional",
        (
            "law|attorney|lawyer|legal|account|cpa|tax|insurance|real estate|realtor|realty|"
            "consult|financ|architect|marketing|notary|bookkeep|mortgage|advis|agency|"
            "engineer|surveyor|recruit|staffing"
        ),
        "Clear advice from people who know your business.",
        "We work with local people and businesses, explain every step in plain words and answer the phone.",
        (
            ("Consultations", "A first conversation to understand what you need."),
            ("Ongoing support", "A named contact who knows your situation."),
            ("Clear pricing", "You know what it costs before we begin."),
        ),
    ),
)

GENERIC = Industry(
    "generic",
    "",
    "A local business you can count on.",
    "We are proud to serve our neighbourhood. Get in touch: we are happy to help.",
    (
        ("Quality", "Work we are proud to put our name on."),
        ("Service", "Friendly people who answer your questions."),
        ("Local", "Part of the community we serve."),
    ),
)

KEYS = (*(industry.key for industry in INDUSTRIES), GENERIC.key)


def industry_for(category: str | None) -> Industry:
    """The industry whose stems start a word of ``category``; generic when none does."""
    text = (category or "").lower()
    for industry in INDUSTRIES:
        if re.search(rf"\b(?:{industry.stems})", text):
            return industry
    return GENERIC


def by_key(key: str) -> Industry:
    """The industry named ``key`` (a template name chosen by hand)."""
    for industry in (*INDUSTRIES, GENERIC):
        if industry.key == key:
            return industry
    raise KeyError(key)
