"""Lighthouse category scoring for the audits the local engine runs itself (SEO, best practices).

A category's score is Lighthouse's (core/scoring.js ``scoreAllCategories``):
the weighted mean of its audits' scores, where a not-applicable audit weighs
nothing, rounded to two decimals. Audits leadq cannot run faithfully (they
need a network service, a second page load, or axe-core) are *left out* of the
mean and listed as not measured with the reason, so a category says which
audits it covers and how much of Lighthouse's weight that is.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

#: How much of what failed an audit keeps: enough to find it on the page.
_FAILURES = 5
_CHARS = 200


@dataclass
class AuditResult:
    """One Lighthouse audit as leadq ran it: score 1 or 0, or None when not applicable to the page."""

    id: str
    title: str
    score: float | None
    weight: float
    detail: str = ""

    @property
    def applicable(self) -> bool:
        return self.score is not None

    @classmethod
    def judged(
        cls, audit_id: str, title: str, weight: float, failures: list[str], *, applicable: bool = True
    ) -> AuditResult:
        """Passed when nothing failed (Lighthouse's binary audits); the first failures, cut short
        (they quote the page: console messages, URLs), are the detail."""
        score = float(not failures) if applicable else None
        shown = [f if len(f) <= _CHARS else f[: _CHARS - 1] + "…" for f in failures[:_FAILURES]]
        more = f" (and {len(failures) - _FAILURES} more)" if len(failures) > _FAILURES else ""
        return cls(audit_id, title, score, weight, "; ".join(shown) + more)


@dataclass
class NotMeasured:
    """A Lighthouse audit of the category that leadq does not run, and why."""

    id: str
    weight: float
    why: str


def category_score(results: list[AuditResult]) -> int | None:
    """Lighthouse's weighted mean of the applicable audits, 0-100; 0 when none weigh anything
    (as Lighthouse's ``sum / weight || 0``), None when no audit ran at all."""
    if not results:
        return None
    counted = [r for r in results if r.applicable and r.weight > 0]
    weight = sum(r.weight for r in counted)
    mean = sum(r.score * r.weight for r in counted) / weight if weight else 0.0
    return math.floor(mean * 100 + 0.5)  # clampTo2Decimals, then shown x 100


def category_details(results: list[AuditResult], not_measured: list[NotMeasured]) -> dict[str, Any]:
    """What the stored audit keeps of a category: every audit run, every one left out, and the
    share of Lighthouse's weight the score covers."""
    total = sum(r.weight for r in results) + sum(n.weight for n in not_measured)
    return {
        "audits": [asdict(r) for r in results],
        "not_measured": [asdict(n) for n in not_measured],
        "weight_measured": round(sum(r.weight for r in results), 2),
        "weight_total": round(total, 2),
    }
