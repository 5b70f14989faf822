"""The `local` engine: a lab audit in headless Chromium, scored like Lighthouse.

Mobile audits emulate Lighthouse's Moto G Power (screen, user agent, touch)
and its 4x CPU slowdown through CDP; desktop audits use Lighthouse's desktop
screen. Each audit starts cold (cache and cookies cleared), loads the page,
waits until it is quiet, then reads the browser's own timing APIs (see
``probe`` and ``lab_metrics``).

Method, and how it differs from Lighthouse's. Lighthouse's default
("simulate") loads the page unthrottled and estimates the throttled load with
Lantern: a dependency graph of its requests and main-thread tasks replayed
over a modelled TCP connection (RTT 150 ms / 1.6 Mbps mobile, 40 ms / 10 Mbps
desktop), each metric the mean of an optimistic and a pessimistic replay.
leadq loads the page on an unthrottled network too, with the CPU slowed by
Chromium (``Emulation.setCPUThrottlingRate``), and moves the paints that
waited for a request by what Lantern charges for it beyond what it took
(``server_time``: the origin's median server time, round trips per
connection, slow-start downloads; the watched paints and the files the server
was slow to send stay in the record's details). The site's icon, which
Lighthouse's fresh browser always fetches and a pooled one only once, is
fetched at the load event so it counts in that median and, as in Lantern, in
the LCP of a page whose load event came before its largest paint. Lantern's
FCP waits only for the parse and render-blocking files, which ``lab_metrics``
follows for Total Blocking Time; Speed Index is Lantern's blend of the film of
the load and FCP (``lab_metrics.lantern_speed_index``); TTI is Lantern's: the
end of the last long task, not before LCP. ``scripts/bench-pagespeed``
measures the gap on both presets. The wait until quiet follows Lighthouse's:
the load event, then a second with no request starting or ending (two may
stay open), no paint, layout shift, long task or DOM insertion, on the page's
own clock.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from selenium.common.exceptions import TimeoutException, WebDriverException

from leadq.browser import Watchdog
from leadq.egress_proxy import BLOCKED
from leadq.errors import Cancelled, Deferred, PermanentError, TransientError, UrlRefused
from leadq.net import check_url
from leadq.pagespeed import page_facts, probe, server_time
from leadq.pagespeed.browser import Browser, BrowserPool
from leadq.pagespeed.checks import site_checks
from leadq.pagespeed.filmstrip import Screencast, progress_curve, speed_index_of, thumbnails
from leadq.pagespeed.lab_categories import lab_categories
from leadq.pagespeed.lab_metrics import estimated_metrics, lab_metrics
from leadq.pagespeed.record import AuditRecord, Strategy
from leadq.pagespeed.scoring import (
    CPU_SLOWDOWN,
    DESKTOP_SCREEN,
    DESKTOP_USER_AGENT,
    MOBILE_SCREEN,
    MOBILE_USER_AGENT,
    performance_score,
)
from leadq.settings import Settings

_POLL_S = 0.1
#: Requests that may stay in flight on a quiet page (Lighthouse's network-2-idle).
_QUIET_REQUESTS = 2


class LocalEngine:
    """Audits URLs in pooled Chromium browsers; thread-safe."""

    name = "local"

    def __init__(self, settings: Settings, *, pool: BrowserPool | None = None) -> None:
        self.settings = settings
        self.pool = pool or BrowserPool(settings)

    def audit(
        self, url: str, strategy: Strategy, *, checkpoint: Callable[[], None] | None = None
    ) -> AuditRecord:
        """Audit ``url``; a page slower than ``pagespeed_timeout`` (or than what is left of
        the job's time limit), or a cancel of the job, kills its browser.

        Chromium reaches the page and everything it loads only through its
        filtering proxy (``leadq.egress_proxy``); the checks here refuse early
        and keep what a redirect led to out of the record.
        """
        target = check_url(
            url, allow_private=self.settings.allow_private_urls, trusted_origins=self.settings.private_origins
        )
        timeout = self.settings.pagespeed_timeout
        net_error = None
        with self.pool.lease() as browser, Watchdog(browser, seconds=timeout) as watchdog:
            try:
                data, network = self._measure(browser, target, strategy, checkpoint, watchdog)
            except Exception as exc:
                # A killed browser surfaces as whatever the driver's HTTP call hit
                # (WebDriverException, urllib3 ProtocolError ...): classify by cause.
                if watchdog.fired == "cancelled":
                    raise Cancelled(f"audit of {url} was cancelled") from None
                if watchdog.fired == "shutdown":  # not the site's fault: audit it again, no retry spent
                    raise Deferred(f"the worker stopped while auditing {url}", delay=1000) from None
                if watchdog.fired or isinstance(exc, TimeoutException):
                    raise TransientError(f"audit of {url} timed out after {timeout:g} s") from None
                net_error = _net_error(exc)
                if net_error is None and isinstance(exc, WebDriverException):
                    raise TransientError(f"Chromium failed while auditing {url}: {exc.msg or exc}") from None
                if net_error is None:
                    raise
                if net_error == "ERR_TUNNEL_CONNECTION_FAILED":  # https: what the proxy met
                    net_error = browser.proxy.failure(target) or net_error
            else:
                # The proxy answers a site it could not reach with an error page of its own.
                net_error = browser.proxy.failure(data.get("href") or target)
        if net_error is not None:
            # Raised outside the lease: the browser is fine and goes back to the pool.
            if net_error == BLOCKED:
                raise UrlRefused(f"refusing {url}: it, or a redirect from it, leads to a non-public address")
            if net_error in _TRANSIENT_NET_ERRORS:
                raise TransientError(f"could not load {url}: {net_error}")
            raise PermanentError(f"could not load {url}: {net_error}")
        check_hops(
            data,
            network,
            allow_private=self.settings.allow_private_urls,
            trusted_origins=self.settings.private_origins,
        )
        return build_record(url, strategy, data, network)

    def close(self) -> None:
        self.pool.close()

    def _measure(
        self,
        browser: Browser,
        url: str,
        strategy: Strategy,
        checkpoint: Callable[[], None] | None,
        watchdog: Watchdog,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        driver = browser.driver
        if browser.pages == 0:
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": probe.OBSERVERS})
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        if not browser.blank:  # a new browser, or the audit before failed mid-page
            driver.get("about:blank")
        # Never past the job's own time limit: it cannot interrupt a page load.
        driver.set_page_load_timeout(watchdog.remaining(self.settings.pagespeed_timeout))
        _cold_start(driver)
        if browser.emulating != strategy:
            _emulate(driver, strategy)
            browser.emulating = strategy
        driver.get_log("performance")  # drop the previous page's events
        film = _film(driver)
        browser.blank = False
        try:
            driver.get(url)
            events, icon = self._settle(driver, checkpoint)
            data = driver.execute_script(probe.COLLECT)
        finally:
            frames = film.stop() if film is not None else []
        data["strategy"] = strategy
        data["icon"] = icon
        if frames and data.get("timeOrigin"):
            data["visualProgress"] = progress_curve(frames, data["timeOrigin"])
            data["speedIndex"] = speed_index_of(data["visualProgress"])
        if self.settings.pagespeed_screenshot:
            data["screenshot"] = first_screen(driver, strategy)
            data["filmstrip"] = thumbnails(frames, data.get("timeOrigin") or 0.0)
        entries = events + driver.get_log("performance")
        network = main_document_events(entries)
        data["responses"] = server_time.responses(entries, data.get("nav"))
        # The SEO and best-practices audits' input.
        data["pageFacts"] = page_facts.collect(driver, entries, mobile=strategy == "mobile")
        driver.get("about:blank")  # stop the page's timers and requests before the next audit
        browser.blank = True
        return data, network

    def _settle(
        self, driver, checkpoint: Callable[[], None] | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Wait as Lighthouse does: the load event, then ``pagespeed_settle_ms`` with at most two
        requests in flight (its "network-2-idle": a long poll or a stuck beacon must not hold
        the audit) and no request starting or ending, no new paint, layout shift, long task or
        DOM insertion (Lighthouse pauses 1 s after load and wants 1 s network and CPU quiet).
        Returns the CDP events read meanwhile, and the icon's URL.

        At the load event the site's icon is fetched too, as Lighthouse's fresh browser
        does: a pooled browser asks for an origin's icon once and keeps it apart from the
        HTTP cache, and the icon is one of the responses Lighthouse takes the median server
        time of (``server_time``; on a small page one of three), and can count in its LCP.
        That request is not the page's and is left out of the quiet rule, and is waited
        for (3 s at most) at the end.

        The quiet time is counted on the page's own clock from the later of the load event
        and the last change seen, not from when this loop happened to poll: on a loaded
        machine a poll comes late, and a banner a script inserts 800 ms after load must
        still be waited for every run, or the same page scores differently run to run.
        """
        quiet = self.settings.pagespeed_settle_ms
        deadline = time.monotonic() + self.settings.pagespeed_settle_max_ms / 1000
        events: list[dict[str, Any]] = []
        in_flight: set[str] = set()
        icon_requests: set[str] = set()
        quiet_since = 0.0  # page clock, ms
        icon = None
        while time.monotonic() < deadline:
            if checkpoint is not None:
                checkpoint()
            new = driver.get_log("performance")
            events += new
            moved = track_requests(new, in_flight, besides=icon, ignored=icon_requests)
            _, last_change, state, now, load_end = driver.execute_script(probe.PROGRESS)
            if icon is None and load_end:
                icon = driver.execute_script(probe.FETCH_ICON) or ""
            if moved or len(in_flight) > _QUIET_REQUESTS:
                quiet_since = now
            quiet_since = max(quiet_since, last_change, load_end)
            if state == "complete" and load_end and now - quiet_since >= quiet:
                break
            time.sleep(_POLL_S)
        if icon:
            driver.execute_async_script(probe.AWAIT_ICON)
        return events + driver.get_log("performance"), icon or None


def _film(driver) -> Screencast | None:
    """Start filming the tab; None (Speed Index then estimated) when DevTools cannot be reached."""
    address = (driver.capabilities.get("goog:chromeOptions") or {}).get("debuggerAddress")
    if not address:
        return None
    try:
        return Screencast(address, driver.current_window_handle)
    except TransientError:
        return None


def track_requests(
    entries: list[dict[str, Any]],
    in_flight: set[str],
    *,
    besides: str | None = None,
    ignored: set[str] | None = None,
) -> bool:
    """Update the set of requests in flight from CDP network events; True if any started or ended.

    Requests for the URL ``besides`` do not count: their ids go to ``ignored`` (kept by the
    caller across calls), so their end does not count either.
    """
    ignored = set() if ignored is None else ignored
    moved = False
    for entry in entries:
        message = json.loads(entry["message"])["message"]
        method, params = message.get("method"), message.get("params", {})
        request = params.get("requestId")
        if method == "Network.requestWillBeSent":
            if besides and params["request"]["url"] == besides:
                ignored.add(request)
                continue
            in_flight.add(request)
            moved = True
        elif method in ("Network.loadingFinished", "Network.loadingFailed") and request not in ignored:
            in_flight.discard(request)
            moved = True
    return moved


_NET_ERROR = re.compile(r"net::(ERR_[A-Z_]+)")
# Worth another try later; every other net error (DNS, refused, TLS, bad address) is the site's.
_TRANSIENT_NET_ERRORS = {
    "ERR_CONNECTION_TIMED_OUT",
    "ERR_TIMED_OUT",
    "ERR_CONNECTION_RESET",
    "ERR_NETWORK_CHANGED",
    "ERR_INTERNET_DISCONNECTED",
}


def _net_error(exc: Exception) -> str | None:
    """Chrome's net error name when navigation failed (chromedriver reports it as an error)."""
    if not isinstance(exc, WebDriverException):
        return None
    match = _NET_ERROR.search(exc.msg or "")
    return match.group(1) if match else None


def _cold_start(driver) -> None:
    """Nothing from the previous audit: no cached file, no cookie."""
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})


def _emulate(driver, strategy: Strategy) -> None:
    """Lighthouse's screen, user agent and CPU slowdown for the strategy."""
    mobile = strategy == "mobile"
    screen = MOBILE_SCREEN if mobile else DESKTOP_SCREEN
    cdp = driver.execute_cdp_cmd
    cdp(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": screen["width"],
            "height": screen["height"],
            "deviceScaleFactor": screen["device_scale_factor"],
            "mobile": screen["mobile"],
        },
    )
    cdp("Emulation.setTouchEmulationEnabled", {"enabled": mobile})
    cdp("Network.setUserAgentOverride", {"userAgent": MOBILE_USER_AGENT if mobile else DESKTOP_USER_AGENT})
    cdp("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN[strategy]})


#: JPEG quality and scale of the stored first-screen picture: legible in a report, tens of kB.
_SCREENSHOT_QUALITY = 60
_SCREENSHOT_WIDTH = 360


def first_screen(driver, strategy: Strategy) -> str:
    """The loaded page's first screen (what a visitor sees before scrolling) as a JPEG data URI."""
    screen = MOBILE_SCREEN if strategy == "mobile" else DESKTOP_SCREEN
    scale = _SCREENSHOT_WIDTH / (screen["width"] * screen["device_scale_factor"])
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "jpeg",
            "quality": _SCREENSHOT_QUALITY,
            "clip": {"x": 0, "y": 0, "width": screen["width"], "height": screen["height"], "scale": scale},
        },
    )
    return "data:image/jpeg;base64," + shot["data"]


def main_document_events(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Redirect chain, status and load error of the top-level document, from CDP network events."""
    redirects: list[dict[str, Any]] = []
    status = error = None
    main_request = None
    for entry in entries:
        message = json.loads(entry["message"])["message"]
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent" and params.get("type") == "Document":
            if main_request is None and params.get("requestId") == params.get("loaderId"):
                main_request = params["requestId"]
            if params.get("requestId") == main_request and "redirectResponse" in params:
                response = params["redirectResponse"]
                redirects.append({"url": response.get("url"), "status": response.get("status")})
        elif method == "Network.responseReceived" and params.get("requestId") == main_request:
            status = params.get("response", {}).get("status")
        elif method == "Network.loadingFailed" and params.get("requestId") == main_request:
            error = params.get("errorText")
    return {"redirects": redirects, "status": status, "error": error}


def check_hops(
    data: dict[str, Any], network: dict[str, Any], *, allow_private: bool, trusted_origins: Iterable[str] = ()
) -> None:
    """Refuse an audit whose redirects ended up somewhere leadq must not go.

    Chromium follows redirects itself, so this cannot stop the request, only
    make sure nothing read from a private address is stored or reported.
    """
    hops = [hop["url"] for hop in network.get("redirects", []) if hop.get("url")]
    final = data.get("href")
    for hop in [*hops, *([final] if final and not final.startswith("chrome-error:") else [])]:
        check_url(hop, allow_private=allow_private, trusted_origins=trusted_origins)


def build_record(url: str, strategy: Strategy, data: dict[str, Any], network: dict[str, Any]) -> AuditRecord:
    """The audit record of one measured page; an unloadable page is a permanent error."""
    final_url = data.get("href") or url
    if network.get("error") or final_url.startswith("chrome-error:"):
        raise PermanentError(f"could not load {url}: {network.get('error') or 'browser error page'}")
    metrics = lab_metrics(data)
    score = performance_score(metrics, strategy)
    other_scores, coverage = lab_categories(data["pageFacts"]) if data.get("pageFacts") else ({}, {})
    record = AuditRecord(
        url=url,
        final_url=final_url,
        engine="local",
        strategy=strategy,
        performance_score=score,
        categories={"performance": score, **other_scores},
        checks=site_checks(data, final_url),
        estimated=estimated_metrics(data),
        details={
            "status": network.get("status"),
            "redirects": network.get("redirects", []),
            "requests": data.get("requests"),
            "transfer_bytes": data.get("transferBytes"),
            "load_ms": metrics["load_ms"],
            "dom_content_loaded_ms": metrics["dom_content_loaded_ms"],
            # What the browser saw before Lantern's network was applied.
            "watched_ms": {
                "fcp": metrics["watched_fcp_ms"],
                "lcp": metrics["watched_lcp_ms"],
                "speed_index": data.get("speedIndex"),
            },
            "slow_responses": server_time.slow_responses(data.get("responses") or []),
            "lcp_element": data.get("lcpTag"),
            "lcp_url": data.get("lcpUrl"),
            "screenshot": data.get("screenshot"),
            "filmstrip": data.get("filmstrip") or [],
            "unsized_images": (data.get("unsizedImages") or [])[:10],
            "render_blocking": ((data.get("blockingScripts") or []) + (data.get("blockingStyles") or []))[
                :10
            ],
            "lab_categories": coverage,
        },
    )
    for key in ("fcp_ms", "lcp_ms", "tbt_ms", "cls", "speed_index_ms", "tti_ms", "ttfb_ms"):
        setattr(record, key, metrics[key])
    return record
