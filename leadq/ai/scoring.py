"""The rules engine's fit score: a documented, weighted checklist.

The score says how good a prospect a business is for a small web agency:
how much its web presence needs work, whether it can be reached, and whether
it looks established enough to pay. Each item that applies is a reason with
its points; the score is their sum, clamped to 0-100, so a salesperson can
always see why. Items (points):

- no website listed (+35), or the website did not load when crawled (+25)
- website not on HTTPS (+10)
- no mobile viewport (+15)
- copyright notice 3+ years old (+10)
- built on a site builder: Wix, Weebly, Squarespace, GoDaddy (+5)
- PageSpeed performance under 50 (+20), or 50-89 (+10)
- an email address to write to (+10), else only a phone (+5)
- rated 4.0+ over 10+ reviews (+10); 50+ reviews (+5)
- email address known to bounce (-10)

A lead with nothing known scores 0 with the reason "nothing known".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

BUILDERS = ("wix", "weebly", "squarespace", "godaddy")
STALE_COPYRIGHT_YEARS = 3


@dataclass(frozen=True)
class Reason:
    reason: str
    points: int

    def as_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "points": self.points}


@dataclass
class LeadFacts:
    """What leadq knows about a lead, as plain values (built by ``service.lead_facts``)."""

    name: str | None = None
    category: str | None = None
    city: str | None = None
    phone: str | None = None
    email: str | None = None
    email_status: str = "unknown"
    website: str | None = None
    rating: float | None = None
    review_count: int | None = None
    signals: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] | None = None  # newest audit: score, performance_score, checks

    def known(self) -> bool:
        values = (
            self.name,
            self.category,
            self.phone,
            self.email,
            self.website,
            self.rating,
            self.review_count,
        )
        return any(value not in (None, "") for value in values) or bool(self.signals) or bool(self.audit)

    def as_dict(self) -> dict[str, Any]:
        """The facts a prompt shows and the fact guard checks drafts against."""
        signals = {k: v for k, v in self.signals.items() if k not in ("pages", "errors", "url")}
        return {
            "name": self.name,
            "category": self.category,
            "city": self.city,
            "phone": self.phone,
            "email": self.email,
            "website": self.website,
            "rating": self.rating,
            "review_count": self.review_count,
            "website_signals": signals,
            "pagespeed": self.audit,
        }


@dataclass
class Score:
    score: int
    reasons: list[Reason]
    engine: str = "rules"
    summary: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "engine": self.engine,
            "reasons": [reason.as_dict() for reason in self.reasons],
            "summary": self.summary,
        }


def clamp(points: int) -> int:
    return max(0, min(100, points))


def rules_score(facts: LeadFacts, *, today: datetime | None = None) -> Score:
    """Apply the checklist above."""
    if not facts.known():
        return Score(0, [Reason("nothing known about this lead", 0)])
    reasons = _website_reasons(facts, today or datetime.now(UTC)) + _contact_reasons(facts)
    return Score(clamp(sum(reason.points for reason in reasons)), reasons)


def _website_reasons(facts: LeadFacts, today: datetime) -> list[Reason]:
    if not facts.website:
        return [Reason("no website listed", 35)]
    signals, reasons = facts.signals, []
    if signals.get("reachable") is False:
        return [Reason("website did not load when crawled", 25)]
    if signals:
        if not signals.get("https"):
            reasons.append(Reason("website not on HTTPS", 10))
        if not signals.get("mobile_viewport"):
            reasons.append(Reason("no mobile viewport: hard to use on a phone", 15))
        year = signals.get("copyright_year")
        if isinstance(year, int) and today.year - year >= STALE_COPYRIGHT_YEARS:
            reasons.append(Reason(f"copyright {year}: site looks unmaintained", 10))
        cms = str(signals.get("cms") or signals.get("generator") or "")
        if any(builder in cms.lower() for builder in BUILDERS):
            reasons.append(Reason(f"built on {cms}: a redesign prospect", 5))
    performance = (facts.audit or {}).get("performance_score")
    if isinstance(performance, int | float):
        if performance < 50:
            reasons.append(Reason(f"PageSpeed performance {performance:.0f}/100: slow site", 20))
        elif performance < 90:
            reasons.append(Reason(f"PageSpeed performance {performance:.0f}/100: room to improve", 10))
    if not signals and facts.audit is None:
        reasons.append(Reason("website not checked yet (enrich or audit it for a better score)", 0))
    return reasons


def _contact_reasons(facts: LeadFacts) -> list[Reason]:
    reasons = []
    if facts.email and facts.email_status == "invalid":
        reasons.append(Reason("email address bounces", -10))
    elif facts.email:
        reasons.append(Reason("has an email address to write to", 10))
    elif facts.phone:
        reasons.append(Reason("reachable by phone only", 5))
    if facts.rating is not None and facts.rating >= 4.0 and (facts.review_count or 0) >= 10:
        reasons.append(Reason(f"rated {facts.rating:g} over {facts.review_count} reviews: established", 10))
    if (facts.review_count or 0) >= 50:
        reasons.append(Reason(f"{facts.review_count} reviews: a busy business", 5))
    return reasons
