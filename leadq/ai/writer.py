"""Write a first outreach email for a lead, and keep only drafts the fact guard accepts.

The rules engine writes from the checklist's findings in fixed sentences,
each filled only with the record's own values. A model writes more freely;
its draft goes through the fact guard, and a rejected draft is reported
with the offending phrases so the caller uses the campaign's template instead.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from leadq.ai.engine import ModelCall
from leadq.ai.factguard import FactSheet, check_draft
from leadq.ai.prompts import render
from leadq.ai.schemas import EmailAnswer
from leadq.ai.scoring import LeadFacts

log = logging.getLogger(__name__)


@dataclass
class Draft:
    subject: str
    body: str
    engine: str
    accepted: bool
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def findings(facts: LeadFacts) -> list[str]:
    """What the agency could fix, in words a business owner reads, from the record only."""
    signals, items = facts.signals, []
    if not facts.website:
        return ["customers searching for you online find a listing, but no website of your own"]
    if signals.get("reachable") is False:
        return ["your website did not load when I tried it"]
    if signals and not signals.get("https"):
        items.append("the site is not served over HTTPS, so browsers mark it as not secure")
    if signals and not signals.get("mobile_viewport"):
        items.append("the site is not set up for phones, where most visitors come from")
    performance = (facts.audit or {}).get("performance_score")
    if isinstance(performance, int | float) and performance < 90:
        items.append(f"it loads slowly on a phone (a PageSpeed performance score of {performance:g})")
    return items


def rules_draft(facts: LeadFacts, *, sender_name: str) -> tuple[str, str]:
    name = facts.name or "there"
    where = f" in {facts.city}" if facts.city else ""
    items = findings(facts)
    if facts.website:
        subject = (
            f"A few ideas for the {facts.name} website" if facts.name else "A few ideas for your website"
        )
    else:
        subject = f"A website for {facts.name}" if facts.name else "A website for your business"
    lines = [
        f"Hi {name},",
        "",
        f"I came across {facts.name or 'your business'}{where} and had a look online.",
    ]
    if facts.rating is not None and facts.review_count:
        lines.append(
            f"Your customers clearly like you: {facts.rating:g} stars from {facts.review_count} reviews."
        )
    if items:
        lines += ["", "A few things I noticed:", *(f"- {item}" for item in items)]
    lines += [
        "",
        "We help local businesses fix exactly this. Would a short call next week be useful?",
        "",
        sender_name,
    ]
    return subject, "\n".join(lines)


def write_email(
    facts: LeadFacts, call: ModelCall, *, sender_name: str, template_subject: str | None = None
) -> Draft:
    """A checked draft: the rules' own, or the model's when the fact guard accepts it."""
    sheet = FactSheet(facts.as_dict(), sender_name=sender_name)
    if not call.uses_model:
        subject, body = rules_draft(facts, sender_name=sender_name)
        problems = check_draft(f"{subject}\n{body}", sheet)
        return Draft(subject, body, "rules", not problems, problems)
    prompt = render(
        "write", facts=facts.as_dict(), sender_name=sender_name, template_subject=template_subject or ""
    )
    answer = call.ask(prompt, EmailAnswer)
    problems = check_draft(f"{answer.subject}\n{answer.body}", sheet)
    if problems:
        log.warning("AI draft for %r rejected by the fact guard: %s", facts.name, "; ".join(problems))
    return Draft(answer.subject, answer.body, "openai", not problems, problems)
