"""The audit record every engine returns and the CLI, store and reports read.

One flat shape for PSI, the Lighthouse CLI and the local Chromium engine, so a
lead's audits compare over time whatever produced them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any, Literal

Strategy = Literal["mobile", "desktop"]
STRATEGIES: tuple[Strategy, ...] = ("mobile", "desktop")
ENGINES = ("psi", "local", "lighthouse")
STANDARD_CATEGORIES = ("performance", "accessibility", "best-practices", "seo")

#: Lab metric keys shared by every engine (milliseconds, CLS unitless).
METRIC_KEYS = ("fcp_ms", "lcp_ms", "tbt_ms", "cls", "speed_index_ms", "tti_ms", "ttfb_ms")


@dataclass
class Opportunity:
    """A fix Lighthouse (or the local checks) suggests, with its estimated savings."""

    id: str
    title: str
    savings_ms: float | None = None
    savings_bytes: float | None = None


@dataclass
class Check:
    """A pass/fail site check a salesperson can explain (HTTPS, mobile viewport ...)."""

    id: str
    passed: bool
    detail: str = ""


@dataclass
class AuditRecord:
    """One audit of one URL with one strategy by one engine."""

    url: str
    final_url: str | None
    engine: str
    strategy: Strategy
    performance_score: int | None = None
    #: Lighthouse category id -> 0-100 (performance, accessibility, best-practices, seo).
    categories: dict[str, int | None] = dataclasses.field(default_factory=dict)
    fcp_ms: float | None = None
    lcp_ms: float | None = None
    tbt_ms: float | None = None
    cls: float | None = None
    speed_index_ms: float | None = None
    tti_ms: float | None = None
    ttfb_ms: float | None = None
    #: Chrome UX Report field data (PSI only), or None when Google has none for the URL.
    field: dict[str, Any] | None = None
    opportunities: list[Opportunity] = dataclasses.field(default_factory=list)
    checks: list[Check] = dataclasses.field(default_factory=list)
    #: Engine-specific extras (request count, bytes, redirects, Lighthouse version ...).
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: Metric keys that are estimates rather than measurements (local engine).
    estimated: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditRecord:
        values = dict(data)
        values["opportunities"] = [Opportunity(**item) for item in data.get("opportunities", [])]
        values["checks"] = [Check(**item) for item in data.get("checks", [])]
        return cls(**values)

    def overall_score(self) -> int | None:
        """One 0-100 figure for "how good is this site": the mean of the standard Lighthouse
        categories the engine scored, plus (local engine) the share of site checks passed.

        Stored as ``audit.score`` so campaigns can filter on it.
        """
        parts = [self.categories[c] for c in STANDARD_CATEGORIES if self.categories.get(c) is not None]
        if self.checks:
            parts.append(100 * sum(check.passed for check in self.checks) / len(self.checks))
        return int(sum(parts) / len(parts) + 0.5) if parts else None

    def metrics(self) -> dict[str, float | None]:
        return {key: getattr(self, key) for key in METRIC_KEYS}
