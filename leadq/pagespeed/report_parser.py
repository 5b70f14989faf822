"""One parser for Lighthouse reports: PSI's ``lighthouseResult`` and the CLI's JSON alike.

PSI v5 wraps exactly the Lighthouse result object (LHR) and adds Chrome UX
Report field data, so the lab part is parsed once. Reports from old Lighthouse
versions (PSI in 2019 ran Lighthouse 4) lack LCP, CLS and TBT and carry metric
values only in the ``metrics`` audit; missing metrics stay ``None``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from leadq.errors import ParseError
from leadq.pagespeed.record import AuditRecord, Opportunity

#: record key -> Lighthouse audit id, and the key inside the ``metrics`` audit's item.
_METRIC_AUDITS = {
    "fcp_ms": ("first-contentful-paint", "firstContentfulPaint"),
    "lcp_ms": ("largest-contentful-paint", "largestContentfulPaint"),
    "tbt_ms": ("total-blocking-time", "totalBlockingTime"),
    "cls": ("cumulative-layout-shift", "cumulativeLayoutShift"),
    "speed_index_ms": ("speed-index", "speedIndex"),
    "tti_ms": ("interactive", "interactive"),
    "ttfb_ms": ("server-response-time", "timeToFirstByte"),
}

#: Chrome UX Report metric -> (record key, divisor). PSI reports CLS x 100.
_FIELD_METRICS = {
    "FIRST_CONTENTFUL_PAINT_MS": ("fcp_ms", 1),
    "LARGEST_CONTENTFUL_PAINT_MS": ("lcp_ms", 1),
    "CUMULATIVE_LAYOUT_SHIFT_SCORE": ("cls", 100),
    "FIRST_INPUT_DELAY_MS": ("fid_ms", 1),
    "INTERACTION_TO_NEXT_PAINT": ("inp_ms", 1),
    "EXPERIMENTAL_INTERACTION_TO_NEXT_PAINT": ("inp_ms", 1),
    "EXPERIMENTAL_TIME_TO_FIRST_BYTE": ("ttfb_ms", 1),
}

TOP_OPPORTUNITIES = 5
# Lighthouse shows an audit as passed from 0.9 up; only failing ones are worth selling.
_PASSING = 0.9


def parse_report(data: Any, *, url: str | None = None) -> AuditRecord:
    """Parse a PSI v5 response or a Lighthouse JSON report into an audit record.

    JSON of the right outline but the wrong shape inside (a list where an
    object belongs, a number for an audit) is a ParseError too, never a crash.
    """
    try:
        return _parse_report(data, url=url)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        raise ParseError(
            f"not a PageSpeed Insights response or Lighthouse report of the expected shape ({exc})"
        ) from None


def _parse_report(data: Any, *, url: str | None) -> AuditRecord:
    if not isinstance(data, dict):
        raise ParseError("not a PageSpeed Insights response or Lighthouse report (expected a JSON object)")
    if "lighthouseResult" in data:
        record = parse_lighthouse_result(data["lighthouseResult"], engine="psi", url=url)
        record.field = parse_field_data(data)
        return record
    if "audits" in data and "categories" in data:
        return parse_lighthouse_result(data, engine="lighthouse", url=url)
    if "error" in data:
        raise ParseError(f"the file is a PageSpeed Insights error: {data['error'].get('message', '')}")
    raise ParseError("not a PageSpeed Insights response or Lighthouse report (no lighthouseResult/audits)")


def parse_file(path: Path) -> AuditRecord:
    """Parse a saved PSI response or Lighthouse report file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ParseError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"{path} is not JSON: {exc}") from None
    return parse_report(data)


def parse_lighthouse_result(lhr: dict[str, Any], *, engine: str, url: str | None = None) -> AuditRecord:
    """The lab part: category scores, metrics, opportunities of one Lighthouse result."""
    audits = lhr.get("audits")
    if not isinstance(audits, dict):
        raise ParseError("Lighthouse result has no audits")
    settings = lhr.get("configSettings") or {}
    strategy = settings.get("formFactor") or settings.get("emulatedFormFactor") or "mobile"
    if strategy not in ("mobile", "desktop"):
        strategy = "mobile"
    categories = {
        name: _percent(category.get("score"))
        for name, category in (lhr.get("categories") or {}).items()
        if isinstance(category, dict)
    }
    record = AuditRecord(
        url=url or lhr.get("requestedUrl") or lhr.get("finalUrl") or "",
        final_url=lhr.get("finalDisplayedUrl") or lhr.get("finalUrl") or lhr.get("mainDocumentUrl"),
        engine=engine,
        strategy=strategy,
        performance_score=categories.get("performance"),
        categories=categories,
        opportunities=_opportunities(audits),
        details={
            "lighthouse_version": lhr.get("lighthouseVersion"),
            "fetch_time": lhr.get("fetchTime"),
            "run_warnings": lhr.get("runWarnings") or [],
            **_pictures(audits),
        },
    )
    summary = _metrics_summary(audits)
    for key, (audit_id, summary_key) in _METRIC_AUDITS.items():
        value = (audits.get(audit_id) or {}).get("numericValue")
        if value is None:
            value = summary.get(summary_key)
        setattr(record, key, float(value) if value is not None else None)
    return record


def parse_field_data(response: dict[str, Any]) -> dict[str, Any] | None:
    """Chrome UX Report percentiles and categories, URL-level first, else origin-level."""
    for key, scope in (("loadingExperience", "url"), ("originLoadingExperience", "origin")):
        experience = response.get(key) or {}
        metrics = experience.get("metrics") or {}
        if not metrics:
            continue
        parsed = {}
        for name, metric in metrics.items():
            record_key, divisor = _FIELD_METRICS.get(name, (name.lower(), 1))
            percentile = metric.get("percentile")
            parsed[record_key] = {
                "percentile": percentile / divisor if percentile is not None else None,
                "category": metric.get("category"),
            }
        return {
            "scope": "origin" if experience.get("origin_fallback") else scope,
            "overall_category": experience.get("overall_category"),
            "metrics": parsed,
        }
    return None


def _pictures(audits: dict[str, Any]) -> dict[str, Any]:
    """The final screenshot and the filmstrip (timed thumbnails) Lighthouse took, as data URIs."""
    found: dict[str, Any] = {}
    final = ((audits.get("final-screenshot") or {}).get("details") or {}).get("data")
    if isinstance(final, str):
        found["screenshot"] = final
    items = ((audits.get("screenshot-thumbnails") or {}).get("details") or {}).get("items") or []
    frames = [
        {"timing_ms": item.get("timing"), "data": item["data"]}
        for item in items
        if isinstance(item, dict) and isinstance(item.get("data"), str)
    ]
    if frames:
        found["filmstrip"] = frames
    return found


def _percent(score: Any) -> int | None:
    if score is None:
        return None
    return int(float(score) * 100 + 0.5)


def _metrics_summary(audits: dict[str, Any]) -> dict[str, Any]:
    items = ((audits.get("metrics") or {}).get("details") or {}).get("items") or [{}]
    return items[0] if isinstance(items[0], dict) else {}


def _opportunities(audits: dict[str, Any]) -> list[Opportunity]:
    """Failing audits with estimated savings, biggest time saving first."""
    found = []
    for audit_id, audit in audits.items():
        score = audit.get("score")
        if score is None or score >= _PASSING or audit.get("scoreDisplayMode") in ("notApplicable", "manual"):
            continue
        details = audit.get("details") or {}
        savings_ms = details.get("overallSavingsMs")
        savings_bytes = details.get("overallSavingsBytes")
        metric_savings = audit.get("metricSavings") or {}
        if not savings_ms and metric_savings:
            savings_ms = max((v for k, v in metric_savings.items() if k in ("FCP", "LCP")), default=None)
        if details.get("type") != "opportunity" and not metric_savings:
            continue
        found.append(
            Opportunity(
                id=audit_id,
                title=audit.get("title", audit_id),
                savings_ms=float(savings_ms) if savings_ms else None,
                savings_bytes=float(savings_bytes) if savings_bytes else None,
            )
        )
    found.sort(key=lambda o: (-(o.savings_ms or 0), -(o.savings_bytes or 0), o.id))
    return found[:TOP_OPPORTUNITIES]
