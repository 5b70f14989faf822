"""Lighthouse's simulated network (Lantern), applied to a load leadq watched.

Lighthouse scores a simulated load, and its simulation charges each request
differently from what it took on the unthrottled network leadq's local engine
watches:

- every request of an origin gets the *median* server response time of the
  origin (``NetworkAnalyzer.computeRTTAndServerResponseTime``): one file a
  server takes 1.5 s to send (a hero image, a script, a web font) on an
  otherwise fast origin hardly moves Lighthouse's paints, while in the watched
  load it holds up every paint waiting for it;
- a request on a connection already open costs one round trip (150 ms on the
  mobile preset), a new connection two (three with TLS), a new host two more
  for DNS;
- a file downloads in TCP slow-start round trips at the preset's throughput.

The difference per request, its initiators' too (everything the document
asked for waited for the document; a font for its stylesheet), moves the
paints that waited for it, later or sooner:

- First Contentful Paint waits for the document, the render-blocking head
  scripts and stylesheets, and web fonts (text is invisible until they come);
- Largest Contentful Paint also for its own image.

Time to Interactive and the blocking-time window move with the paints
(``Shifts.at``).
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urlsplit

#: Times this close are one moment: the CDP and page clocks are matched through one response.
_SLACK_MS = 20.0
#: Responses this much slower than their origin's median are listed in the record.
SLOW_RESPONSE_MS = 100.0
#: Lantern's TCP model (``simulation/TCPConnection.js``): the first window, segment size.
_INITIAL_WINDOW_SEGMENTS = 10
_SEGMENT_BYTES = 1460
#: Lantern's DNS lookup for a host not seen before, in round trips (``DNSCache.js``).
_DNS_ROUND_TRIPS = 2


@dataclass(frozen=True)
class Network:
    """The network Lantern simulates for a preset."""

    rtt_ms: float  # round trip
    throughput_kbps: float  # kibibits per second


@dataclass(frozen=True)
class Response:
    """One request of the load, on the page's clock (ms since navigation start)."""

    url: str
    kind: str  # CDP resource type: Document, Stylesheet, Script, Font, Image, ...
    initiator: str | None  # the URL that asked for it
    wait_ms: float  # request sent -> response headers
    headers_ms: float  # response headers received
    end_ms: float  # body received
    size: int = 0  # bytes received

    @property
    def sent_ms(self) -> float:
        return self.headers_ms - self.wait_ms


def responses(entries: list[dict[str, Any]], nav: dict[str, Any] | None) -> list[Response]:
    """The finished requests in chromedriver's performance log, on the page's clock.

    CDP times are seconds on the browser's monotonic clock; the document's end
    is matched with the navigation entry's ``responseEnd`` to move them.
    """
    sent: dict[str, dict[str, Any]] = {}
    waits: dict[str, float] = {}
    headers: dict[str, float] = {}
    ends: dict[str, float] = {}
    sizes: dict[str, int] = {}
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
            sizes[request_id] = int(params.get("encodedDataLength") or 0)
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
                size=sizes[request_id],
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
    """Each URL's server time beyond its origin's median (Lighthouse's median: halves of two)."""
    medians = _median_server_times(found)
    late: dict[str, float] = {}
    for response in found:
        beyond = response.wait_ms - medians[_origin(response.url)]
        late[response.url] = max(late.get(response.url, 0.0), beyond, 0.0)
    return late


def lantern_delays(found: list[Response], network: Network) -> dict[str, float]:
    """How much later each URL arrived than in Lantern's simulation of the load (negative:
    sooner): what the watched request took beyond what Lantern charges for it, plus its
    initiators' delays.

    Lantern hands a request the free connection of its origin that has carried the most
    (``ConnectionPool``), so a request sent after an earlier one of its origin ended goes
    on a warm connection: here, in the watched order of sending.
    """
    servers = _median_server_times(found)
    free_at: dict[str, list[float]] = {}  # per origin: when each open connection is free again
    own = {}
    for response in sorted(found, key=lambda r: r.sent_ms):
        origin = _origin(response.url)
        new_host = origin not in free_at
        connections = free_at.setdefault(origin, [])
        warm = next((i for i, at in enumerate(connections) if at <= response.sent_ms + _SLACK_MS), None)
        if warm is not None:
            connections.pop(warm)
            connect = network.rtt_ms
        else:
            connect = _new_connection_ms(origin, network, new_host=new_host)
        connections.append(response.end_ms)
        simulated = connect + servers[origin] + _download_ms(response.size, network)
        own[response.url] = response.wait_ms + (response.end_ms - response.headers_ms) - simulated
    return _along_initiators(found, own)


def icon_arrival(
    found: list[Response], icon_url: str, delays: dict[str, float], network: Network
) -> float | None:
    """When the site's icon, asked for at the load event, arrives in Lantern's simulation:
    after the document (Lantern hangs a request no page file asked for on the document), on
    its connection or, from another host, a new one; None if it was not fetched.

    Lantern's LCP waits for every request that finished before the largest paint of the
    load Lighthouse watched, unthrottled: where the load event came before that paint (a
    small page), the icon, a few milliseconds away on that load, is one of them.
    """
    document = next((r for r in found if r.kind == "Document"), None)
    icon = next((r for r in found if r.url == _key(icon_url)), None)
    if document is None or icon is None:
        return None
    origin = _origin(icon.url)
    if origin == _origin(document.url):
        connect = network.rtt_ms
    else:
        connect = _new_connection_ms(origin, network, new_host=True)
    servers = _median_server_times(found)
    arrived = document.end_ms - delays.get(document.url, 0.0)
    return arrived + connect + servers[origin] + _download_ms(icon.size, network)


def _new_connection_ms(origin: str, network: Network, *, new_host: bool) -> float:
    """A new connection in Lantern: the TCP handshake and the request, a TLS handshake for
    https, and a DNS lookup for a host not seen before."""
    round_trips = 2 + origin.startswith("https:") + (_DNS_ROUND_TRIPS if new_host else 0)
    return round_trips * network.rtt_ms


def _median_server_times(found: list[Response]) -> dict[str, float]:
    """Each origin's median server time (its requests' waits for an answer)."""
    by_origin: dict[str, list[float]] = {}
    for response in found:
        by_origin.setdefault(_origin(response.url), []).append(response.wait_ms)
    return {origin: statistics.median(times) for origin, times in by_origin.items()}


def _download_ms(size: int, network: Network) -> float:
    """Lantern's download time after the first byte: the first window comes with it, then one
    round trip per window, doubling up to what the throughput carries in a round trip."""
    bytes_per_round_trip = network.throughput_kbps * 1024 / 8 * network.rtt_ms / 1000
    largest = max(math.floor(bytes_per_round_trip / _SEGMENT_BYTES), 1)
    window = min(_INITIAL_WINDOW_SEGMENTS, largest)
    received, elapsed = window * _SEGMENT_BYTES, 0.0
    while received < size:
        window = min(largest, window * 2)
        received += window * _SEGMENT_BYTES
        elapsed += network.rtt_ms
    return elapsed


def _along_initiators(found: list[Response], own: dict[str, float]) -> dict[str, float]:
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
    """How much earlier (negative: later) the first and the largest paint come on Lantern's
    network, and what happened after the largest paint (``load_ms``: the shift of the
    requests it waited for, without the wait for a web font, which held the text and
    nothing else)."""

    fcp_ms: float = 0.0
    lcp_ms: float = 0.0
    fcp_at: float = 0.0
    lcp_at: float = 0.0
    load_ms: float = 0.0

    def at(self, time_ms: float) -> float:
        """The shift of anything that happened at ``time_ms``: the first paint's until it, the
        load's after the largest paint, and between the two in proportion (so order is kept)."""
        if time_ms <= self.fcp_at:
            return self.fcp_ms
        if time_ms >= self.lcp_at:
            return self.load_ms
        share = (time_ms - self.fcp_at) / (self.lcp_at - self.fcp_at)
        return self.fcp_ms + (self.load_ms - self.fcp_ms) * share


def paint_shifts(
    found: list[Response],
    *,
    fcp_ms: float,
    lcp_ms: float,
    render_blocking: list[str],
    lcp_url: str | None,
    delays: dict[str, float],
) -> Shifts:
    """The shifts of FCP and LCP: how much sooner (negative: later) what each waited for
    would have arrived, each URL ``delays`` sooner.

    A text LCP is painted again when the web font it was waiting for arrives, and
    Lighthouse's LCP waits for that font, so it counts from the font's arrival even
    when Chromium painted the text in a fallback font first (its shift is negative).
    """
    if not found:
        return Shifts(fcp_at=fcp_ms, lcp_at=lcp_ms)
    blocking = {_key(url) for url in render_blocking}
    first = [r for r in found if r.kind in ("Document", "Font") or r.url in blocking]
    largest = first + [r for r in found if lcp_url and r.url == _key(lcp_url)]
    new_fcp = fcp_ms - _gate_shift(first, delays, fcp_ms)
    held = lcp_ms
    if not lcp_url:
        requested_before = [r for r in found if r.kind == "Font" and r.headers_ms - r.wait_ms <= lcp_ms]
        held = max([lcp_ms] + [font.end_ms for font in requested_before])
    load = _gate_shift(largest, delays, held)
    new_lcp = max(held - load, new_fcp)
    return Shifts(
        fcp_ms=fcp_ms - new_fcp, lcp_ms=lcp_ms - new_lcp, fcp_at=fcp_ms, lcp_at=lcp_ms, load_ms=load
    )


def _gate_shift(gates: list[Response], late: dict[str, float], paint_ms: float) -> float:
    """How much sooner (negative: later) the last of ``gates`` to answer before the paint
    would have arrived, each ``late`` sooner.

    A gate whose body was still arriving at the paint (a font Chromium had enough
    of, a progressive image) held the paint until then, not until its end.
    """
    before = [r for r in gates if r.headers_ms <= paint_ms + _SLACK_MS]
    if not before:
        return 0.0
    watched = max(min(r.end_ms, paint_ms) for r in before)
    sooner = max(min(r.end_ms, paint_ms) - late.get(r.url, 0.0) for r in before)
    return watched - sooner


def slow_responses(found: list[Response], *, limit: int = 5) -> list[dict[str, Any]]:
    """The responses much slower than the rest of their origin's, slowest first."""
    own = excess(found)
    slow = sorted(((ms, url) for url, ms in own.items() if ms >= SLOW_RESPONSE_MS), reverse=True)
    return [{"url": url, "extra_server_ms": round(ms)} for ms, url in slow[:limit]]
