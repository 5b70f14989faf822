"""Turn what the browser reported (see ``probe.COLLECT``) into Lighthouse-style lab metrics.

Measured directly: TTFB, FCP, LCP, CLS, load; TBT from the long tasks a
``longtask`` observer saw between FCP and TTI (each task's time over 50 ms),
with the window opening at the end of parsing (DOMContentLoaded) when that
came before the first paint: Lighthouse's simulated FCP waits only for the
parse and render-blocking scripts, so a long timer task that the slowed CPU
happened to run before the first paint still blocks in its figures. Estimated
(listed in the record's ``estimated``):

- FCP and LCP (and with them the long tasks and the end of parsing), moved by
  what Lighthouse's simulated network charges for the requests they waited for
  beyond what those took on the watched, unthrottled network (its median
  server time per origin, round trips per connection, slow-start downloads:
  ``server_time``); a text LCP counts from the arrival of the web font it
  waited for, and the LCP of a page whose load event came before it from the
  arrival of the site's icon, as in Lantern. The watched paints are kept in
  ``watched_fcp_ms``/``watched_lcp_ms``;
- Speed Index: Lantern's blend of the film of the load (``filmstrip``; its own
  Speed Index is ``data["speedIndex"]``) and FCP (``lantern_speed_index``);
- TTI: Lantern's rule, the end of the last long task, not before LCP;
- TBT and Speed Index when the browser had no long-task observer or no film:
  TBT then counts nothing, Speed Index is (FCP + LCP) / 2 (half the viewport
  painted at FCP, the rest at LCP).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leadq.pagespeed.scoring import LANTERN_RTT_MS, LANTERN_THROUGHPUT_KBPS, speed_index_weights
from leadq.pagespeed.server_time import Network, Shifts, icon_arrival, lantern_delays, paint_shifts

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


def interactive_at(long_tasks: list[list[float]], lcp_ms: float) -> float:
    """TTI as Lighthouse's simulation gives it (Lantern's ``Interactive``): the end of the last
    task over 50 ms, not before LCP. The observed rules (5 s without a long task, at most two
    requests in flight) are not part of its simulated figure."""
    ends = [start + duration for start, duration in long_tasks if duration > _LONG_TASK_MS]
    return max([lcp_ms, *ends])


def total_blocking_time(
    long_tasks: list[list[float]], fcp_ms: float | None, tti_ms: float | None = None
) -> float:
    """Blocking time (task length over 50 ms) of long tasks between FCP and TTI."""
    after = fcp_ms or 0.0
    until = tti_ms if tti_ms is not None else float("inf")
    total = 0.0
    for start, duration in long_tasks:
        blocking_start = max(start + _LONG_TASK_MS, after)
        total += max(0.0, min(start + duration, until) - blocking_start)
    return round(total, 1)


def estimated_metrics(data: dict[str, Any]) -> list[str]:
    """The record keys this page's data could only estimate."""
    lantern = lantern_paints(data)
    _, watched_lcp = _paints(data)
    estimated = ["fcp_ms"] if lantern.shifts.fcp_ms else []
    if watched_lcp is not None and lantern.lcp(watched_lcp) != watched_lcp:
        estimated.append("lcp_ms")
    estimated.append("tti_ms")
    if "longtask" not in (data.get("watching") or []):
        estimated.insert(0, "tbt_ms")
    estimated.append("speed_index_ms")
    return estimated


def lab_metrics(data: dict[str, Any]) -> dict[str, float | None]:
    """Metrics in the record's keys (ms, CLS unitless) from one page's collected data."""
    nav = data.get("nav") or {}
    watched_fcp, watched_lcp = _paints(data)
    lantern = lantern_paints(data)
    shifts = lantern.shifts
    fcp = None if watched_fcp is None else watched_fcp - shifts.fcp_ms
    lcp = None if watched_lcp is None else lantern.lcp(watched_lcp)
    tasks = [[start - shifts.at(start), duration] for start, duration in data.get("longTasks") or []]
    dcl = nav.get("domContentLoadedEventEnd")
    if dcl:
        dcl -= shifts.at(dcl)
    tti = interactive_at(tasks, lcp) if lcp is not None else None
    speed_index = lantern_speed_index(data, fcp=fcp) if fcp is not None else None
    if speed_index is None and fcp is not None and lcp is not None:
        speed_index = (fcp + lcp) / 2
    return {
        "ttfb_ms": _ms(nav.get("responseStart")),
        "fcp_ms": _ms(fcp),
        "lcp_ms": _ms(lcp),
        "cls": cumulative_layout_shift(data.get("shifts") or []),
        "tbt_ms": total_blocking_time(tasks, _blocking_from(fcp, dcl), tti) if fcp is not None else None,
        "tti_ms": _ms(tti),
        "speed_index_ms": _ms(speed_index),
        "load_ms": _ms(nav.get("loadEventEnd")),
        "dom_content_loaded_ms": _ms(dcl),
        "watched_fcp_ms": _ms(watched_fcp),
        "watched_lcp_ms": _ms(watched_lcp),
    }


def _paints(data: dict[str, Any]) -> tuple[float | None, float | None]:
    """FCP and LCP as the browser reported them."""
    fcp = data.get("paints", {}).get("first-contentful-paint")
    lcp = data.get("lcp")
    if lcp is None:
        lcp = fcp  # no LCP entry (empty page): Lighthouse falls back the same way only in old versions
    return fcp, lcp


def lantern_speed_index(data: dict[str, Any], *, fcp: float) -> float | None:
    """Speed Index as Lighthouse's simulation gives it, from the film of this load; None
    without a film.

    Lantern weighs the Speed Index of the load it watched on an unthrottled network (1.4x
    on mobile, 0.575x on desktop), as this one was, and a layout-based estimate, the mean
    of its layouts' end times, none before FCP (0.4x, 0.49x), and never reports less than
    FCP. The layouts' times are not watched, and FCP, the first layout's, stands for them
    (measured by ``scripts/bench-pagespeed``: nearer Lighthouse's figures than the largest
    paint, on both presets).
    """
    observed = data.get("speedIndex")
    if observed is None:
        return None
    optimistic, pessimistic = speed_index_weights(data.get("strategy") or "mobile")
    return max(fcp, optimistic * observed + pessimistic * fcp)


def _render_blocking(data: dict[str, Any]) -> list[str]:
    return (data.get("blockingScripts") or []) + (data.get("blockingStyles") or [])


@dataclass(frozen=True)
class LanternPaints:
    """How Lighthouse's simulated network (``server_time``) moves this load's paints, and when
    the site's icon arrives if Lantern's LCP waits for it."""

    shifts: Shifts
    icon_ms: float | None = None

    def lcp(self, watched_ms: float) -> float:
        moved = watched_ms - self.shifts.lcp_ms
        return moved if self.icon_ms is None else max(moved, self.icon_ms)


def lantern_paints(data: dict[str, Any]) -> LanternPaints:
    """The paints on Lantern's network. The browser asks for the icon at the load event; where
    that came before the largest paint, the icon is in Lantern's LCP (``server_time.icon_arrival``)."""
    fcp, lcp = _paints(data)
    if fcp is None or lcp is None:
        return LanternPaints(Shifts())
    found = data.get("responses") or []
    network = preset_network(data.get("strategy") or "mobile")
    delays = lantern_delays(found, network)
    shifts = paint_shifts(
        found,
        fcp_ms=fcp,
        lcp_ms=lcp,
        render_blocking=_render_blocking(data),
        lcp_url=data.get("lcpUrl"),
        delays=delays,
    )
    load_end = (data.get("nav") or {}).get("loadEventEnd")
    if not data.get("icon") or not load_end or load_end > lcp:
        return LanternPaints(shifts)
    return LanternPaints(shifts, icon_arrival(found, data["icon"], delays, network))


def preset_network(strategy: str) -> Network:
    """The network Lantern simulates for the preset."""
    return Network(LANTERN_RTT_MS[strategy], LANTERN_THROUGHPUT_KBPS[strategy])


def _blocking_from(fcp_ms: float, dcl_ms: float | None) -> float:
    """Where the blocking-time window opens: FCP, or the end of parsing if that was earlier."""
    return min(fcp_ms, dcl_ms) if dcl_ms else fcp_ms


def _ms(value: float | None) -> float | None:
    return round(float(value), 1) if value is not None else None
