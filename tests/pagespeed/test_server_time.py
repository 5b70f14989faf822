"""Lighthouse's simulated network (Lantern) applied to a watched load (pure functions)."""

from __future__ import annotations

import pytest

from leadq.pagespeed.lab_metrics import lab_metrics
from leadq.pagespeed.server_time import (
    Network,
    Response,
    excess,
    icon_arrival,
    lantern_delays,
    paint_shifts,
    responses,
    slow_responses,
)

from .cdp import cdp_log

SITE = "https://joes-plumbing.example"
#: The mobile preset: Lantern's 150 ms round trip, 1.6 Mbps.
MOBILE = Network(rtt_ms=150.0, throughput_kbps=1.6 * 1024)
#: The page, answered in 20 ms and received by 30 ms.
DOCUMENT = Response(SITE + "/", "Document", None, wait_ms=20, headers_ms=25, end_ms=30)


def response(url: str, kind: str, wait: float, end: float, initiator: str | None = SITE + "/") -> Response:
    return Response(url=url, kind=kind, initiator=initiator, wait_ms=wait, headers_ms=end - 20, end_ms=end)


def test_responses_are_read_from_the_cdp_log_onto_the_pages_clock() -> None:
    log = cdp_log(
        (SITE + "/", "Document", None, 100.000, 100.050, 100.060),
        (SITE + "/hero.jpg#top", "Image", SITE + "/", 100.070, 101.570, 101.600),
        ("data:image/png;base64,AAAA", "Image", SITE + "/", 100.070, 100.070, 100.070),
    )
    del log[-2]  # a data: URL has no response timing
    found = responses(log, {"responseEnd": 60.0})
    assert [(r.url, r.kind, r.initiator) for r in found] == [
        (SITE + "/", "Document", None),
        (SITE + "/hero.jpg", "Image", SITE + "/"),
    ]
    hero = found[1]
    assert hero.sent_ms == pytest.approx(71.0) and hero.wait_ms == pytest.approx(1499.0)
    assert hero.headers_ms == pytest.approx(1570.0) and hero.end_ms == pytest.approx(1600.0)
    assert responses(log, None) == []


def test_excess_is_the_wait_beyond_the_origins_median_and_two_values_meet_halfway() -> None:
    found = [
        response(SITE + "/", "Document", 20, 30, None),
        response(SITE + "/hero.jpg", "Image", 1520, 1600),
        response(SITE + "/favicon.ico", "Other", 30, 1700, None),
        response("https://cdn.example/app.js", "Script", 400, 500),
    ]
    assert excess(found) == {
        SITE + "/": 0.0,
        SITE + "/hero.jpg": 1490.0,
        SITE + "/favicon.ico": 0.0,
        "https://cdn.example/app.js": 0.0,  # alone on its origin: it is the median
    }
    assert excess(found[:2])[SITE + "/hero.jpg"] == 750.0  # Lighthouse's median of two


def test_each_request_is_late_by_what_it_took_beyond_lanterns_charge_and_its_initiators_delay() -> None:
    css, font, app = SITE + "/style.css", SITE + "/brand.woff2", "https://cdn.example/app.js"
    found = [
        # The document: Lantern charges a new host DNS and an https connection (750 ms).
        DOCUMENT,
        # Sent once the document's connection was free: one round trip, on a server that
        # took 1 s where the site's other answers took 20 ms (its median).
        Response(css, "Stylesheet", SITE + "/", wait_ms=1000, headers_ms=1040, end_ms=1045),
        # Sent while that connection was busy: a new one, two round trips and one for TLS.
        Response(SITE + "/a.png", "Image", SITE + "/", wait_ms=20, headers_ms=60, end_ms=61),
        # After the stylesheet, on a free connection again, 42 KB: one round trip of download.
        Response(font, "Font", css, wait_ms=20, headers_ms=1070, end_ms=1072, size=42_000),
        # Another new host, alone on its origin.
        Response(app, "Script", SITE + "/", wait_ms=30, headers_ms=70, end_ms=71),
    ]
    delays = lantern_delays(found, MOBILE)
    document = 25 - 750 - 20  # Lantern's document comes later than the watched one
    assert delays[SITE + "/"] == pytest.approx(document)
    assert delays[css] == pytest.approx(document + 1005 - 150 - 20)
    assert delays[SITE + "/a.png"] == pytest.approx(document + 21 - 450 - 20)
    assert delays[font] == pytest.approx(document + 985 - 150 + 22 - 150 - 20 - 150)
    assert delays[app] == pytest.approx(document + 31 - 750 - 30)


def test_the_icon_comes_a_round_trip_after_lanterns_document() -> None:
    found = [
        DOCUMENT,
        Response(SITE + "/favicon.ico", "Other", None, wait_ms=20, headers_ms=140, end_ms=141),
    ]
    delays = lantern_delays(found, MOBILE)
    lantern_document = 30 - delays[SITE + "/"]  # 745 ms later
    assert icon_arrival(found, SITE + "/favicon.ico", delays, MOBILE) == pytest.approx(
        lantern_document + 150 + 20
    )
    elsewhere = [found[0], Response("https://cdn.example/i.png", "Other", None, 20, 140, 141)]
    assert icon_arrival(elsewhere, "https://cdn.example/i.png", delays, MOBILE) == pytest.approx(
        lantern_document + 750 + 20
    )
    assert icon_arrival(found[:1], SITE + "/favicon.ico", delays, MOBILE) is None


def test_the_first_paint_moves_by_what_the_slowest_render_blocking_file_was_late_by() -> None:
    script = SITE + "/slow.js"
    found = [
        response(SITE + "/", "Document", 20, 30, None),
        response(script, "Script", 1020, 1100),
        response(SITE + "/favicon.ico", "Other", 25, 1900, None),
    ]
    delays = {SITE + "/": 0, script: 995, SITE + "/favicon.ico": 0}
    shifts = paint_shifts(
        found, fcp_ms=1200, lcp_ms=1200, render_blocking=[script], lcp_url=None, delays=delays
    )
    assert shifts.fcp_ms == shifts.lcp_ms == pytest.approx(995)
    # Not listed as render-blocking (an async script): the paint did not wait for it.
    unlisted = paint_shifts(found, fcp_ms=1200, lcp_ms=1200, render_blocking=[], lcp_url=None, delays=delays)
    assert unlisted.fcp_ms == 0


def test_the_largest_paint_moves_by_its_own_images_lateness_but_never_before_the_first() -> None:
    hero = SITE + "/hero.jpg"
    found = [
        response(SITE + "/", "Document", 20, 30, None),
        response(hero, "Image", 1520, 1600),
        response(SITE + "/favicon.ico", "Other", 25, 1900, None),
    ]
    delays = {SITE + "/": 0, hero: 1495, SITE + "/favicon.ico": 0}
    shifts = paint_shifts(found, fcp_ms=200, lcp_ms=1650, render_blocking=[], lcp_url=hero, delays=delays)
    assert shifts.fcp_ms == 0 and shifts.lcp_ms == pytest.approx(1450)  # 1650 - 1450 = 200 = FCP
    shifts = paint_shifts(found, fcp_ms=400, lcp_ms=1650, render_blocking=[], lcp_url=hero, delays=delays)
    assert shifts.lcp_ms == pytest.approx(1250)  # held at the first paint
    # A text LCP did not wait for the image.
    text = paint_shifts(found, fcp_ms=200, lcp_ms=1650, render_blocking=[], lcp_url=None, delays=delays)
    assert text.lcp_ms == 0


def test_a_text_lcp_counts_from_the_arrival_of_its_web_font() -> None:
    font = SITE + "/brand.ttf"
    slow_server = [
        response(SITE + "/", "Document", 20, 30, None),
        Response(font, "Font", SITE + "/", wait_ms=1520, headers_ms=1560, end_ms=2200),
        response(SITE + "/favicon.ico", "Other", 25, 2300, None),
    ]
    delays = {SITE + "/": 0, font: 1495, SITE + "/favicon.ico": 0}
    shifts = paint_shifts(
        slow_server, fcp_ms=200, lcp_ms=2000, render_blocking=[], lcp_url=None, delays=delays
    )
    assert shifts.fcp_ms == 0  # the first paint came before the font answered
    assert 2000 - shifts.lcp_ms == pytest.approx(2200 - 1495)  # when the font would have come
    # A fast server, a big font still downloading when Chromium painted a fallback: later.
    big_font = [slow_server[0], Response(font, "Font", SITE + "/", 25, 100, 3000), slow_server[2]]
    on_time = dict.fromkeys(delays, 0)
    shifts = paint_shifts(big_font, fcp_ms=200, lcp_ms=2000, render_blocking=[], lcp_url=None, delays=on_time)
    assert shifts.lcp_ms == pytest.approx(-1000)
    assert shifts.at(2500) == 0  # what came after the paint is not moved later
    # An image LCP does not wait for fonts it was not painted with.
    image = paint_shifts(
        big_font, fcp_ms=200, lcp_ms=2000, render_blocking=[], lcp_url=SITE + "/a.png", delays=on_time
    )
    assert image.lcp_ms == 0


def test_lab_metrics_apply_the_shifts_and_keep_what_was_watched() -> None:
    script = SITE + "/slow.js"
    data = {
        "strategy": "mobile",
        "nav": {"responseStart": 25, "domContentLoadedEventEnd": 1090, "loadEventEnd": 1150},
        "paints": {"first-contentful-paint": 1100},
        "lcp": 1100,
        "longTasks": [[1150, 150]],
        "blockingScripts": [script],
        "responses": [
            DOCUMENT,
            Response(script, "Script", SITE + "/", wait_ms=1000, headers_ms=1050, end_ms=1060),
            Response(SITE + "/favicon.ico", "Other", None, wait_ms=20, headers_ms=1700, end_ms=1701),
        ],
    }
    metrics = lab_metrics(data)
    # Lantern: the document 745 ms later (DNS and a new https connection), the script one
    # round trip on its connection from an origin whose median server time is 20 ms.
    moved = (25 - 750 - 20) + (1010 - 150 - 20)
    assert metrics["fcp_ms"] == 1100 - moved
    assert metrics["watched_fcp_ms"] == metrics["watched_lcp_ms"] == 1100
    assert metrics["ttfb_ms"] == 25  # the document's own answer is as watched
    assert metrics["tbt_ms"] == 100 and metrics["tti_ms"] == 1150 + 150 - moved
    assert metrics["dom_content_loaded_ms"] == 1090 - moved


def test_slow_responses_lists_the_files_far_slower_than_their_origin() -> None:
    found = [
        response(SITE + "/", "Document", 20, 30, None),
        response(SITE + "/hero.jpg", "Image", 1520, 1600),
        response(SITE + "/logo.png", "Image", 90, 200),
        response(SITE + "/favicon.ico", "Other", 25, 1900, None),
    ]
    # the origin's median wait is (25 + 90) / 2
    assert slow_responses(found) == [{"url": SITE + "/hero.jpg", "extra_server_ms": 1462}]


def test_the_largest_paint_of_a_page_loaded_before_it_waits_for_the_icon_as_lanterns_does() -> None:
    icon = SITE + "/favicon.ico"
    data = {
        "strategy": "mobile",
        "nav": {"responseStart": 25, "domContentLoadedEventEnd": 90, "loadEventEnd": 100},
        "paints": {"first-contentful-paint": 120},
        "lcp": 120,
        "icon": icon,
        "responses": [
            DOCUMENT,
            Response(icon, "Other", None, wait_ms=20, headers_ms=140, end_ms=141),
        ],
    }
    # Lantern's document ends 745 ms later (DNS, a new https connection); the icon a round
    # trip and the site's server time after.
    metrics = lab_metrics(data)
    assert metrics["fcp_ms"] == 120 + 745 and metrics["lcp_ms"] == 30 + 745 + 150 + 20
    # A page whose load event came after its largest paint: the icon was asked for too late.
    later = {**data, "nav": {**data["nav"], "loadEventEnd": 130}}
    assert lab_metrics(later)["lcp_ms"] == 120 + 745
