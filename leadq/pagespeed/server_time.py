"""Lighthouse's one server response time per origin, applied to a load leadq watched.

Lighthouse scores a simulated load (Lantern), and its simulation gives every
request the median server response time of its origin
(``NetworkAnalyzer.computeRTTAndServerResponseTime``): one file a server takes
1.5 s to send (a hero image, a script, a web font) on an otherwise fast origin
hardly moves Lighthouse's First and Largest Contentful Paint. leadq's local
engine watches a real throttled load, where that file holds up every paint
waiting for it. To score as Lighthouse does, the time each response took
beyond its origin's median (its *excess*) is taken out of the paints it held:

- First Contentful Paint waits for the document, the render-blocking head
  scripts and stylesheets, and web fonts (text is invisible until they come);
- Largest Contentful Paint also for its own image;
- a request is late by what its initiator was late by, too (everything the
  document asked for waited for the document; a font for its stylesheet).

Time to Interactive and the blocking-time window move with the paints
(``Shifts.at``). The same walk over the requests with what throttling added
instead of the excess (``throttling_delays``) gives the unthrottled film that
Lantern's desktop Speed Index weighs (``lab_metrics.lantern_speed_index``).
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urlsplit

#: Times this close are one moment: the CDP and page clocks are matched through one response,
#: and a response Chromium held for the emulated latency comes a few ms after it.
_SLACK_MS = 20.0
#: Responses this much slower than their origin's median are listed in the record.
SLOW_RESPONSE_MS = 100.0


@dataclass(frozen=True)
class Response:
    """One request of the load, on the page's clock (ms since navigation start)."""

    url: str
    kind: str  # CDP resource type: Document, Stylesheet, Script, Font, Image, ...
    initiator: str | None  # the URL that asked for it
    wait_ms: float  # request sent -> response headers
    headers_ms: float  # response headers received
    end_ms: float  # body received


def responses(entries: list[dict[str, Any]], nav: dict[str, Any] | None) -> list[Response]:
    """The finished requests in chromedriver's performance log, on the page's clock.

    CDP times are seconds on the browser's monotonic clock; the document's end
    is matched with the navigation entry's ``responseEnd`` to move them.
    """
    sent: dict[str, dict[str, Any]] = {}
    waits: dict[str, float] = {}
    headers: dict[str, float] = {}
    ends: dict[str, float] = {}
    for entry in entries:
        message = json.loads(entry["message"])["message"]
        method, params = message.get("method"), message.get("params", {})
        request_id = params.get("requestId")
        if method == "Network.requestWillBeSent":
            sent[request_id] = params
        elif method == "Network.responseReceived":
            timing = params.get("response", {}).get("timing") or {}
            if timing.get("receiveHeadersEnd", -1) >= 0 and timing.get("sendEnd", -1) >= 0:
                waits[request_id] = timing["receiveHeadersEnd"] - timing["sendEnd"]
                headers[request_id] = timing["requestTime"] * 1000 + timing["receiveHeadersEnd"]
        elif method == "Network.loadingFinished":
            ends[request_id] = params["timestamp"] * 1000
    document = next((rid for rid, p in sent.items() if p.get("type") == "Document" and rid in ends), None)
    if document is None or not nav or not nav.get("responseEnd"):
        return []
    offset = nav["responseEnd"] - ends[document]
    found = []
    for request_id, params in sent.items():
        if request_id not in waits or request_id not in ends:
            continue  # failed, cached or from a data: URL: no server in it
        found.append(
            Response(
                url=_key(params["request"]["url"]),
                kind=params.get("type") or "Other",
                initiator=_initiator(params.get("initiator") or {}),
                wait_ms=max(waits[request_id], 0.0),
                headers_ms=headers[request_id] + offset,
                end_ms=ends[request_id] + offset,
            )
        )
    # A URL fetched twice (the icon, by the browser and by the engine) is one response.
    first = {}
    for response in sorted(found, key=lambda r: r.end_ms):
        first.setdefault(response.url, response)
    return list(first.values())


def _initiator(initiator: dict[str, Any]) -> str | None:
    if initiator.get("url"):
        return _key(initiator["url"])
    frames = (initiator.get("stack") or {}).get("callFrames") or []
    return _key(frames[0]["url"]) if frames and frames[0].get("url") else None


def _key(url: str) -> str:
    return urldefrag(url)[0]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def excess(found: list[Response]) -> dict[str, float]:
    """Each URL's wait beyond its origin's median wait (Lighthouse's median: halves of two)."""
    by_origin: dict[str, list[float]] = {}
    for response in found:
        by_origin.setdefault(_origin(response.url), []).append(response.wait_ms)
    medians = {origin: statistics.median(waits) for origin, waits in by_origin.items()}
    late: dict[str, float] = {}
    for response in found:
        beyond = response.wait_ms - medians[_origin(response.url)]
        late[response.url] = max(late.get(response.url, 0.0), beyond, 0.0)
    return late


def lateness(found: list[Response]) -> dict[str, float]:
    """How much later than with median server times each URL arrived: its excess plus its initiators'."""
    return along_initiators(found, excess(found))


def throttling_delays(found: list[Response], latency_ms: float) -> dict[str, float]:
    """How much later than on an unthrottled network each URL arrived: the emulated latency
    (when the server answered within it: Chromium holds a response until the latency has
    passed, so a slower server's time covers it) and the throttled download, its initiators' too."""
    own = {}
    for response in found:
        held = latency_ms if response.wait_ms <= latency_ms + _SLACK_MS else 0.0
        own[response.url] = held + max(response.end_ms - response.headers_ms, 0.0)
    return along_initiators(found, own)


def along_initiators(found: list[Response], own: dict[str, float]) -> dict[str, float]:
    """Each URL's own delay plus its initiators' (the document's for what names no initiator)."""
    document = next((r.url for r in found if r.kind == "Document"), None)
    parent = {
        r.url: r.initiator if r.initiator in own and r.initiator != r.url else document
        for r in found
        if r.url != document
    }
    late = {}
    for url in own:
        total, seen, current = 0.0, set(), url
        while current is not None and current not in seen:  # initiator chains can loop (a script re-fetched)
            seen.add(current)
            total += own[current]
            current = parent.get(current)
        late[url] = total
    return late


@dataclass(frozen=True)
class Shifts:
    """How much earlier the first and the largest paint come in another model of the load
    (Lighthouse's median server times, or no throttling)."""

    fcp_ms: float = 0.0
    lcp_ms: float = 0.0
    fcp_at: float = 0.0
    lcp_at: float = 0.0

    def at(self, time_ms: float) -> float:
        """The shift of anything that happened at ``time_ms``: the first paint's until it, the
        largest paint's after it, and between the two in proportion (so order is kept);
        never later than watched (a font the text waited for held no script back)."""
        if time_ms <= self.fcp_at:
            return self.fcp_ms
        if time_ms >= self.lcp_at:
            return max(self.lcp_ms, 0.0)
        share = (time_ms - self.fcp_at) / (self.lcp_at - self.fcp_at)
        return max(self.fcp_ms + (self.lcp_ms - self.fcp_ms) * share, 0.0)


def paint_shifts(
    found: list[Response],
    *,
    fcp_ms: float,
    lcp_ms: float,
    render_blocking: list[str],
    lcp_url: str | None,
    delays: dict[str, float] | None = None,
) -> Shifts:
    """The shifts of FCP and LCP: how much sooner what each waited for would have arrived,
    each URL ``delays`` sooner (by default its ``lateness``).

    A text LCP is painted again when the web font it was waiting for arrives, and
    Lighthouse's LCP waits for that font, so it counts from the font's arrival even
    when Chromium painted the text in a fallback font first (its shift is negative).
    """
    if not found:
        return Shifts(fcp_at=fcp_ms, lcp_at=lcp_ms)
    late = lateness(found) if delays is None else delays
    blocking = {_key(url) for url in render_blocking}
    first = [r for r in found if r.kind in ("Document", "Font") or r.url in blocking]
    largest = first + [r for r in found if lcp_url and r.url == _key(lcp_url)]
    new_fcp = fcp_ms - _gate_shift(first, late, fcp_ms)
    held = lcp_ms
    if not lcp_url:
        requested_before = [r for r in found if r.kind == "Font" and r.headers_ms - r.wait_ms <= lcp_ms]
        held = max([lcp_ms] + [font.end_ms for font in requested_before])
    new_lcp = max(held - _gate_shift(largest, late, held), new_fcp)
    return Shifts(fcp_ms=fcp_ms - new_fcp, lcp_ms=lcp_ms - new_lcp, fcp_at=fcp_ms, lcp_at=lcp_ms)


def _gate_shift(gates: list[Response], late: dict[str, float], paint_ms: float) -> float:
    """How much sooner the last of ``gates`` to answer before the paint would have arrived,
    each ``late`` sooner.

    A gate whose body was still arriving at the paint (a font Chromium had enough
    of, a progressive image) held the paint until then, not until its end.
    """
    before = [r for r in gates if r.headers_ms <= paint_ms + _SLACK_MS]
    if not before:
        return 0.0
    watched = max(min(r.end_ms, paint_ms) for r in before)
    sooner = max(r.end_ms - late.get(r.url, 0.0) for r in before)
    return max(watched - sooner, 0.0)


def slow_responses(found: list[Response], *, limit: int = 5) -> list[dict[str, Any]]:
    """The responses much slower than the rest of their origin's, slowest first."""
    own = excess(found)
    slow = sorted(((ms, url) for url, ms in own.items() if ms >= SLOW_RESPONSE_MS), reverse=True)
    return [{"url": url, "extra_server_ms": round(ms)} for ms, url in slow[:limit]]
