"""Turn what the browser reported (see ``probe.COLLECT``) into Lighthouse-style lab metrics.

Measured directly: TTFB, FCP, LCP, CLS, load. Estimated, because the browser's
APIs do not expose them the way Lighthouse's trace does (they are listed in the
record's ``estimated``):

- TBT: sum of each long task's time over 50 ms after FCP (Lighthouse stops at
  TTI; long tasks after the page settled are rare on the pages we audit);
- TTI: the later of FCP, DOMContentLoaded and the end of the last long task;
- Speed Index: Lighthouse films the page; lacking frames we assume half the
  viewport is painted at FCP and the rest at LCP, i.e. (FCP + LCP) / 2, which
  equals FCP for pages whose largest paint is their first.
"""

from __future__ import annotations

from typing import Any

ESTIMATED = ["tbt_ms", "tti_ms", "speed_index_ms"]
_LONG_TASK_MS = 50.0
# Layout shifts group into session windows: a gap over 1 s or a window over 5 s starts a new one.
_SESSION_GAP_MS = 1000.0
_SESSION_MAX_MS = 5000.0


def cumulative_layout_shift(shifts: list[list[float]]) -> float:
    """The largest session window of layout shifts (the Core Web Vitals definition)."""
    best = current = 0.0
    start = previous = None
    for time, value in sorted(shifts):
        if start is None or time - previous > _SESSION_GAP_MS or time - start > _SESSION_MAX_MS:
            start, current = time, 0.0
        current += value
        previous = time
        best = max(best, current)
    return round(best, 4)


def total_blocking_time(long_tasks: list[list[float]], fcp_ms: float | None) -> float:
    """Blocking time (task length over 50 ms) of long tasks that end after FCP."""
    after = fcp_ms or 0.0
    total = 0.0
    for start, duration in long_tasks:
        blocking_start = max(start + _LONG_TASK_MS, after)
        total += max(0.0, start + duration - blocking_start)
    return round(total, 1)


def lab_metrics(data: dict[str, Any]) -> dict[str, float | None]:
    """Metrics in the record's keys (ms, CLS unitless) from one page's collected data."""
    nav = data.get("nav") or {}
    fcp = data.get("paints", {}).get("first-contentful-paint")
    lcp = data.get("lcp")
    if lcp is None:
        lcp = fcp  # no LCP entry (empty page): Lighthouse falls back the same way only in old versions
    tasks = data.get("longTasks") or []
    task_end = max((start + duration for start, duration in tasks), default=0.0)
    dcl = nav.get("domContentLoadedEventEnd")
    tti = max(v for v in (fcp, dcl, task_end) if v is not None) if fcp is not None else None
    return {
        "ttfb_ms": _ms(nav.get("responseStart")),
        "fcp_ms": _ms(fcp),
        "lcp_ms": _ms(lcp),
        "cls": cumulative_layout_shift(data.get("shifts") or []),
        "tbt_ms": total_blocking_time(tasks, fcp) if fcp is not None else None,
        "tti_ms": _ms(tti),
        "speed_index_ms": _ms((fcp + lcp) / 2) if fcp is not None and lcp is not None else None,
        "load_ms": _ms(nav.get("loadEventEnd")),
        "dom_content_loaded_ms": _ms(dcl),
    }


def _ms(value: float | None) -> float | None:
    return round(float(value), 1) if value is not None else None
