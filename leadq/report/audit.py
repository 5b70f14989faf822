"""What an audit report shows, computed from audit records: pure, so tests need no browser.

One ``AuditReport`` per business: a section per strategy (scores, Core Web
Vitals with thresholds and verdicts, real-user data, pictures, problems) and
the site checks once. The words follow ``leadq.pagespeed.summary``: a local
audit is "leadq's lab test (Lighthouse scoring)", never Google's test.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from leadq.errors import ConfigError
from leadq.pagespeed.record import STANDARD_CATEGORIES, AuditRecord, Check
from leadq.pagespeed.summary import (
    CATEGORY_LABELS,
    THRESHOLDS,
    FieldRow,
    Verdict,
    category_coverage,
    failed_audits,
    field_rows,
    field_scope,
    problems,
    test_name,
    unscored_categories,
    verdicts,
)
from leadq.report.charts import gauge, score_band
from leadq.report.render import render

#: Only base64 raster images from an audit become <img> sources (they are stored data, checked anyway).
_IMAGE_URI = re.compile(r"data:image/(?:png|jpeg|webp|gif);base64,[A-Za-z0-9+/]+=*")
_LOGO_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/webp", "image/gif")

CHECK_LABELS = {
    "https": "Secure connection (HTTPS)",
    "viewport": "Set up for phones (mobile viewport)",
    "title": "Page title",
    "meta_description": "Search snippet (meta description)",
    "image_dimensions": "Image sizes declared",
    "render_blocking": "Nothing blocks the first paint",
    "contact_details": "Contact details on the website",
    "cms_current": "Website software up to date",
    "copyright_current": "Recently looked after",
}


@dataclass
class MetricRow:
    verdict: Verdict
    threshold: str
    estimated: bool


@dataclass
class Frame:
    timing: str
    data: str


@dataclass
class ComparisonRow:
    """One score or measure of the prospect's site beside the same of their demo."""

    label: str
    site: str
    site_rating: str  # a CSS class: pass | average | fail (scores), good | needs-improvement | poor
    demo: str
    demo_rating: str


@dataclass
class StrategySection:
    """One strategy's audit as the report shows it."""

    strategy: str
    record: AuditRecord
    audited_at: datetime | None
    test_name: str
    gauges: list[tuple[str, Markup]]  # (category, gauge)
    unscored: list[str]
    metrics: list[MetricRow]
    field: list[FieldRow]
    field_scope: str
    problems: list[str]
    screenshot: str | None
    filmstrip: list[Frame]
    #: The lead's published demo measured the same way, when there is one.
    demo: list[ComparisonRow] = field(default_factory=list)
    #: What a lab test's SEO and best-practices scores cover, and why accessibility has none.
    coverage: list[str] = field(default_factory=list)
    #: The Lighthouse audits of those categories the page did not pass.
    failed_audits: list[str] = field(default_factory=list)

    @property
    def device(self) -> str:
        return "Mobile" if self.strategy == "mobile" else "Desktop"


@dataclass
class CheckRow:
    label: str
    passed: bool
    detail: str


@dataclass
class Agency:
    name: str
    contact: str
    logo: str | None  # data URI


@dataclass
class AuditReport:
    business: str
    url: str
    lead_id: int | None
    generated: datetime
    sections: list[StrategySection]
    checks: list[CheckRow]
    unchecked: list[str]
    agency: Agency
    warnings: list[str] = field(default_factory=list)
    demo_url: str | None = None
    #: The stored audits the sections show (``publish`` links the published report to them).
    audit_ids: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The facts of the report (no markup, no pictures) for ``--json``."""
        return {
            "business": self.business,
            "url": self.url,
            "lead_id": self.lead_id,
            "generated": self.generated.isoformat(),
            "strategies": [
                {
                    "strategy": s.strategy,
                    "engine": s.record.engine,
                    "test": s.test_name,
                    "audited_at": s.audited_at.isoformat() if s.audited_at else None,
                    "categories": s.record.categories,
                    "not_scored": s.unscored,
                    "coverage": s.coverage,
                    "failed_audits": s.failed_audits,
                    "metrics": [
                        {
                            "metric": m.verdict.label,
                            "value": m.verdict.display,
                            "threshold": m.threshold,
                            "verdict": m.verdict.rating,
                            "estimated": m.estimated,
                        }
                        for m in s.metrics
                    ],
                    "field": [vars(row) for row in s.field],
                    "problems": s.problems,
                    "screenshot": s.screenshot is not None,
                    "filmstrip_frames": len(s.filmstrip),
                    "demo": [vars(row) for row in s.demo],
                }
                for s in self.sections
            ],
            "checks": [vars(check) for check in self.checks],
            "not_checked": self.unchecked,
            "demo_url": self.demo_url,
        }


def threshold_text(key: str) -> str:
    _, good, poor = THRESHOLDS[key]
    if key == "cls":
        return f"good ≤ {good:g}, poor > {poor:g}"
    return f"good ≤ {_duration(good)}, poor > {_duration(poor)}"


def _duration(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def image_uri(value: object) -> str | None:
    return value if isinstance(value, str) and _IMAGE_URI.fullmatch(value) else None


def section(record: AuditRecord, audited_at: datetime | None) -> StrategySection:
    categories = [c for c in STANDARD_CATEGORIES if record.categories.get(c) is not None]
    frames = [
        Frame(f"{frame['timing_ms'] / 1000:.1f} s" if frame.get("timing_ms") is not None else "", uri)
        for frame in record.details.get("filmstrip") or []
        if isinstance(frame, dict) and (uri := image_uri(frame.get("data")))
    ]
    return StrategySection(
        strategy=record.strategy,
        record=record,
        audited_at=audited_at,
        test_name=test_name(record.engine),
        gauges=[(CATEGORY_LABELS[c], gauge(record.categories[c], CATEGORY_LABELS[c])) for c in categories],
        unscored=unscored_categories(record),
        metrics=[MetricRow(v, threshold_text(v.key), v.key in record.estimated) for v in verdicts(record)],
        field=field_rows(record.field),
        field_scope=field_scope(record.field),
        problems=problems(record),
        screenshot=image_uri(record.details.get("screenshot")),
        filmstrip=frames,
        coverage=category_coverage(record, reasons=False),
        failed_audits=failed_audits(record),
    )


def comparison(site: AuditRecord, demo: AuditRecord) -> list[ComparisonRow]:
    """The categories both audits scored, then each measure, site beside demo."""
    rows = [
        ComparisonRow(
            CATEGORY_LABELS[c],
            str(site.categories[c]),
            score_band(site.categories[c]),
            str(demo.categories[c]),
            score_band(demo.categories[c]),
        )
        for c in STANDARD_CATEGORIES
        if site.categories.get(c) is not None and demo.categories.get(c) is not None
    ]
    demo_verdicts = {v.key: v for v in verdicts(demo)}
    for mine in verdicts(site):
        theirs = demo_verdicts.get(mine.key)
        if theirs is not None and mine.value is not None and theirs.value is not None:
            rows.append(ComparisonRow(mine.label, mine.display, mine.rating, theirs.display, theirs.rating))
    return rows


def check_rows(checks: list[Check]) -> list[CheckRow]:
    return [CheckRow(CHECK_LABELS.get(c.id, c.id), c.passed, c.detail) for c in checks]


def logo_uri(path: Path | None) -> str | None:
    """The agency logo inlined as a data URI (a report never links to a file or the network)."""
    if path is None:
        return None
    kind = mimetypes.guess_type(str(path))[0]
    if kind not in _LOGO_TYPES:
        raise ConfigError(f"agency_logo {path} is not a PNG, JPEG, SVG, WebP or GIF file")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read agency_logo {path}: {exc.strerror}") from None
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def audit_html(report: AuditReport, template_dir: Path | None) -> str:
    """The report as one self-contained HTML page."""
    return render("audit.html.j2", template_dir, report=report, agency=report.agency)
