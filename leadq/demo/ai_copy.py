"""A demo site's tagline, about heading and about text written by the AI engine, fact-checked.

With ``LEADQ_AI_ENGINE=openai`` the model is asked (through the AI domain's
cache, budget and rate limits) for copy from the same facts the page shows;
the fact guard the campaign writer uses checks it, and copy that states a
number, address, name or claim the record does not back is dropped whole
(logged with the offending phrases) for the industry template's copy. The
rules engine writes no copy: the template's is used.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from leadq.ai.engine import ModelCall
from leadq.ai.factguard import FactSheet, check_draft
from leadq.ai.prompts import render
from leadq.ai.schemas import DemoCopyAnswer
from leadq.demo.content import SHORT_NAME, Business, clean, shorten
from leadq.errors import PermanentError

log = logging.getLogger(__name__)


def copy_facts(business: Business) -> dict:
    """What the page already says about the business: all the model may draw on."""
    return {
        "name": business.name,
        "category": business.category,
        "address": business.address_lines,
        "phone": business.phone_display,
        "hours": [f"{day}: {hours}" for day, hours in business.hours],
        "rating": business.rating,
        "review_count": business.review_count,
        "services": [service.title for service in business.services],
        "description": business.about,
    }


def with_ai_copy(business: Business, call: ModelCall | None) -> Business:
    """``business`` with the model's checked copy, or unchanged (template copy).

    ``Deferred`` (AI budget or rate) and ``TransientError`` (model server down)
    propagate so the build runs again; a permanent model error keeps the
    template's copy.
    """
    if call is None or not call.uses_model:
        return business
    facts = copy_facts(business)
    try:
        answer = call.ask(render("demo_copy", facts=facts), DemoCopyAnswer)
    except PermanentError as exc:
        log.warning(
            "demo copy for %r: no AI copy (%s); the template's copy is used", business.short_name, exc
        )
        return business
    problems = check_draft(f"{answer.tagline}\n{answer.about_title}\n{answer.about}", FactSheet(facts))
    if problems:
        log.warning(
            "demo copy for %r rejected by the fact guard; the template's copy is used: %s",
            business.short_name,
            "; ".join(problems),
        )
        return business
    tagline = clean(answer.tagline, 200)
    return replace(
        business,
        tagline=tagline,
        summary=shorten(f"{business.short_name}: {tagline}", 155),
        about_title=shorten(clean(answer.about_title, 60), SHORT_NAME),
        about=clean(answer.about, 800),
        copy_writer="ai",
    )
