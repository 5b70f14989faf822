"""Audit results in words: metric verdicts against Core Web Vitals thresholds, and
problems phrased so a salesperson can paste them into an email.

Thresholds are Google's published "good / poor" limits (web.dev/articles/vitals:
LCP 2.5 s / 4 s, CLS 0.1 / 0.25, FCP 1.8 s / 3 s, TTFB 0.8 s / 1.8 s); TBT uses
Lighthouse's mobile control points (200 ms / 600 ms) as the lab stand-in for INP.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from leadq.pagespeed.record import STANDARD_CATEGORIES, AuditRecord

#: metric key -> (label, good up to, poor above)
THRESHOLDS: dict[str, tuple[str, float, float]] = {
    "lcp_ms": ("Largest Contentful Paint", 2500, 4000),
    "cls": ("Cumulative Layout Shift", 0.1, 0.25),
    "tbt_ms": ("Total Blocking Time", 200, 600),
    "fcp_ms": ("First Contentful Paint", 1800, 3000),
    "ttfb_ms": ("Server response (TTFB)", 800, 1800),
    "speed_index_ms": ("Speed Index", 3387, 5800),
}


@dataclass
class Verdict:
    key: str
    label: str
    value: float | None
    rating: str  # good | needs-improvement | poor | unknown

    @property
    def display(self) -> str:
        if self.value is None:
            return "n/a"
        if self.key == "cls":
            return f"{self.value:.3f}"
        return f"{self.value / 1000:.1f} s" if self.value >= 1000 else f"{self.value:.0f} ms"


#: Chrome UX Report metric keys (see ``report_parser``) and categories, in words.
FIELD_LABELS = {
    "fcp_ms": "First Contentful Paint",
    "lcp_ms": "Largest Contentful Paint",
    "cls": "Cumulative Layout Shift",
    "inp_ms": "Interaction to Next Paint",
    "fid_ms": "First Input Delay",
    "ttfb_ms": "Time to First Byte",
}
FIELD_CATEGORIES = {"FAST": "good", "AVERAGE": "needs improvement", "SLOW": "poor"}
CATEGORY_LABELS = {
    "performance": "Performance",
    "accessibility": "Accessibility",
    "best-practices": "Best practices",
    "seo": "SEO",
}


@dataclass
class FieldRow:
    """One real-user (Chrome UX Report) metric: 75th percentile and Google's verdict, in words."""

    label: str
    display: str
    verdict: str


def field_rows(field: dict | None) -> list[FieldRow]:
    rows = []
    for key, metric in ((field or {}).get("metrics") or {}).items():
        value = metric.get("percentile")
        if value is None:
            display = "n/a"
        elif key == "cls":
            display = f"{value:.2f}"
        else:
            display = f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"
        category = metric.get("category") or ""
        label = FIELD_LABELS.get(key, key.replace("_", " ").capitalize())
        rows.append(FieldRow(label, display, FIELD_CATEGORIES.get(category, category.lower() or "unknown")))
    return rows


def field_scope(field: dict | None) -> str:
    """Whose visits the field data counts: this page's, or the whole site's when the page has too few."""
    if not field:
        return ""
    return "the whole site (too few visits to this page)" if field.get("scope") == "origin" else "this page"


def unscored_categories(record: AuditRecord) -> list[str]:
    """Standard Lighthouse categories this audit did not score (the local engine: accessibility)."""
    return [CATEGORY_LABELS[c] for c in STANDARD_CATEGORIES if record.categories.get(c) is None]


def category_coverage(record: AuditRecord, *, reasons: bool = True) -> list[str]:
    """In words, what the local engine's SEO and best-practices scores cover (which of Lighthouse's
    audits ran; with ``reasons``, which did not and why) and why accessibility has no score."""
    coverage = record.details.get("lab_categories") or {}
    notes = []
    for category in ("seo", "best-practices"):
        part = coverage.get(category) or {}
        if "audits" not in part:
            continue
        ran, left = len(part["audits"]), part.get("not_measured") or []
        note = (
            f"{CATEGORY_LABELS[category]} covers {ran} of Lighthouse's {ran + len(left)} audits "
            f"({round(part.get('weight_measured', 0), 1):g} of {round(part.get('weight_total', 0), 1):g} "
            "weight points)."
        )
        left_out: dict[str, list[str]] = {}
        for item in left:
            left_out.setdefault(item["why"], []).append(item["id"])
        if reasons and left_out:
            groups = (f"{', '.join(ids)} ({why})" for why, ids in left_out.items())
            note += " Not measured: " + "; ".join(groups) + "."
        notes.append(note)
    absent = (coverage.get("accessibility") or {}).get("not_measured")
    if absent:
        notes.append(absent)
    return notes


def failed_audits(record: AuditRecord) -> list[str]:
    """The SEO and best-practices audits the local engine ran that the page failed, one line each."""
    coverage = record.details.get("lab_categories") or {}
    lines = []
    for category in ("seo", "best-practices"):
        for audit in (coverage.get(category) or {}).get("audits", []):
            if audit.get("score") == 0:
                detail = f": {audit['detail']}" if audit.get("detail") else ""
                lines.append(f"{CATEGORY_LABELS[category]} — not passed: {audit['title']}{detail}")
    return lines


def rate(key: str, value: float | None) -> str:
    if value is None:
        return "unknown"
    _, good, poor = THRESHOLDS[key]
    if value <= good:
        return "good"
    return "poor" if value > poor else "needs-improvement"


def verdicts(record: AuditRecord) -> list[Verdict]:
    return [
        Verdict(key, label, getattr(record, key), rate(key, getattr(record, key)))
        for key, (label, _, _) in THRESHOLDS.items()
    ]


def problems(record: AuditRecord) -> list[str]:
    """Plain sentences, worst first, about what a visitor suffers and why it matters."""
    device = "phones" if record.strategy == "mobile" else "computers"
    found: list[str] = []
    status = record.details.get("status")
    if isinstance(status, int) and status >= 400:
        found.append(f"The home page answers with an error (HTTP {status}) instead of the site.")
    hops = len(record.details.get("redirects") or [])
    if hops > 1:
        found.append(f"Visitors are bounced through {hops} redirects before the page loads.")
    score = record.performance_score
    if score is not None and score < 90:
        found.append(
            f"The site scores {score}/100 for speed on {test_name(record.engine)} for {device}"
            + (" — slower than most websites." if score < 50 else ", so there is room to be faster.")
        )
    found += _category_problems(record)
    if rate("lcp_ms", record.lcp_ms) != "good" and record.lcp_ms is not None:
        found.append(
            f"The main content takes {record.lcp_ms / 1000:.1f} seconds to appear on {device} "
            "(Google wants under 2.5 s); many visitors leave before then."
        )
    if rate("cls", record.cls) != "good" and record.cls is not None:
        found.append(
            f"The page jumps around while it loads (layout shift {record.cls:.2f}; Google wants under 0.1), "
            "so visitors tap the wrong thing."
        )
    if rate("tbt_ms", record.tbt_ms) != "good" and record.tbt_ms is not None:
        found.append(
            f"Scripts freeze the page for {record.tbt_ms:.0f} ms while it loads, so taps and scrolls lag."
        )
    if rate("ttfb_ms", record.ttfb_ms) != "good" and record.ttfb_ms is not None:
        found.append(
            f"The server takes {record.ttfb_ms / 1000:.1f} s just to start answering; "
            "better hosting or caching would fix that."
        )
    found += _slow_file_problems(record)
    found += _check_problems(record)
    field = record.field or {}
    if field.get("overall_category") == "SLOW":
        found.append("Google's data from real Chrome users rates this site's loading as slow.")
    for opportunity in record.opportunities[:3]:
        if opportunity.savings_ms and opportunity.savings_ms >= 100:
            found.append(f"{opportunity.title} (could save about {opportunity.savings_ms / 1000:.1f} s).")
    return found


#: How each engine's test is named to a reader: only PSI is Google's own test.
TEST_NAMES = {
    "psi": "Google's PageSpeed Insights test",
    "lighthouse": "a Lighthouse test run by leadq",
    "local": "leadq's lab test (Lighthouse scoring)",
}


def test_name(engine: str) -> str:
    return TEST_NAMES.get(engine, f"the {engine} test")


#: Lighthouse category -> what a low score means to a visitor.
_CATEGORY_SENTENCES = {
    "accessibility": (
        "Accessibility scores {score}/100: some visitors (screen readers, poor eyesight, keyboard only) "
        "will struggle to use the site."
    ),
    "best-practices": "Best practices score {score}/100: the site has security or reliability issues.",
    "seo": "Search-engine basics score {score}/100: the site is harder for Google to understand and rank.",
}


def _category_problems(record: AuditRecord) -> list[str]:
    """A poorly scored category always gets a sentence, so a summary never calls it problem-free."""
    return [
        sentence.format(score=score)
        for category, sentence in _CATEGORY_SENTENCES.items()
        if (score := record.categories.get(category)) is not None and score < 90
    ]


#: A file this much slower to send than the rest of its site is worth a sentence.
_SLOW_FILE_MS = 500
_FILE_NAME_CHARS = 60


def _slow_file_problems(record: AuditRecord) -> list[str]:
    """The files the local engine saw the site's server send much later than the rest: their
    time is left out of the speed figures (Lighthouse's way), but visitors wait for it."""
    slow = [
        r for r in record.details.get("slow_responses") or [] if r.get("extra_server_ms", 0) >= _SLOW_FILE_MS
    ]
    if not slow:
        return []
    path = urlsplit(slow[0]["url"]).path.rstrip("/")
    name = path.rsplit("/", 1)[-1] or slow[0]["url"]
    name = name if len(name) <= _FILE_NAME_CHARS else name[: _FILE_NAME_CHARS - 1] + "…"
    others = len(slow) - 1
    more = f" (and {others} more file{'s' if others > 1 else ''})" if others else ""
    seconds = slow[0]["extra_server_ms"] / 1000
    return [
        f"The server takes {seconds:.1f} s longer to send {name}{more} than the rest of the site; "
        "speed scores leave that out, as Lighthouse does, but visitors wait for it."
    ]


_CHECK_SENTENCES = {
    "https": 'The site is not secure (no HTTPS): browsers show "Not secure" next to its address.',
    "viewport": "The site is not set up for phones (no mobile viewport), so it shows as a tiny desktop page.",
    "title": "The page has no title, which hurts how it appears in Google results.",
    "meta_description": "There is no meta description, so Google picks a random snippet for search results.",
    "image_dimensions": "Images have no set size, so the page shifts around as they load.",
    "render_blocking": "Files in the page header must load before anything shows on screen.",
}


def _check_problems(record: AuditRecord) -> list[str]:
    return [
        _CHECK_SENTENCES[check.id]
        for check in record.checks
        if not check.passed and check.id in _CHECK_SENTENCES
    ]
