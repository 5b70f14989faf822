"""Lighthouse's median server time per origin, applied to a watched load (pure functions)."""

from __future__ import annotations

import pytest

from leadq.pagespeed.lab_metrics import lab_metrics
from leadq.pagespeed.server_time import Response, excess, lateness, paint_shifts, responses, slow_responses

from .cdp import cdp_log

SITE = "https://joes-plumbing.example"


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
    assert hero.wait_ms == pytest.approx(1499.0)
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


def test_a_request_is_late_by_what_its_initiators_were_late_by() -> None:
    css, font = SITE + "/style.css", SITE + "/brand.woff2"
    found = [
        response(SITE + "/", "Document", 300, 310, None),
        response(css, "Stylesheet", 700, 800),
        response(font, "Font", 100, 1000, css),
        response(SITE + "/a.png", "Image", 100, 400),
        response(SITE + "/b.png", "Image", 100, 400),
    ]
    # median wait 100: the document is 200 late, the stylesheet 600 and the font none of its own
    assert lateness(found) == {
        SITE + "/": 200,
        css: 800,
        font: 800,
        SITE + "/a.png": 200,
        SITE + "/b.png": 200,
    }


def test_the_first_paint_moves_by_what_the_slowest_render_blocking_file_was_late_by() -> None:
    script = SITE + "/slow.js"
    found = [
        response(SITE + "/", "Document", 20, 30, None),
        response(script, "Script", 1020, 1100),
        response(SITE + "/favicon.ico", "Other", 25, 1900, None),
    ]
    shifts = paint_shifts(found, fcp_ms=1200, lcp_ms=1200, render_blocking=[script], lcp_url=None)
    assert shifts.fcp_ms == shifts.lcp_ms == pytest.approx(995)
    # Not listed as render-blocking (an async script): the paint did not wait for it.
    assert paint_shifts(found, fcp_ms=1200, lcp_ms=1200, render_blocking=[], lcp_url=None).fcp_ms == 0


def test_the_largest_paint_moves_by_its_own_images_lateness_but_never_before_the_first() -> None:
    hero = SITE + "/hero.jpg"
    found = [
        response(SITE + "/", "Document", 20, 30, None),
        response(hero, "Image", 1520, 1600),
        response(SITE + "/favicon.ico", "Other", 25, 1900, None),
    ]
    shifts = paint_shifts(found, fcp_ms=200, lcp_ms=1650, render_blocking=[], lcp_url=hero)
    assert shifts.fcp_ms == 0 and shifts.lcp_ms == pytest.approx(1450)  # 1650 - 1450 = 200 = FCP
    shifts = paint_shifts(found, fcp_ms=400, lcp_ms=1650, render_blocking=[], lcp_url=hero)
    assert shifts.lcp_ms == pytest.approx(1250)  # held at the first paint
    # A text LCP did not wait for the image.
    assert paint_shifts(found, fcp_ms=200, lcp_ms=1650, render_blocking=[], lcp_url=None).lcp_ms == 0


def test_a_text_lcp_counts_from_the_arrival_of_its_web_font() -> None:
    font = SITE + "/brand.ttf"
    slow_server = [
        response(SITE + "/", "Document", 20, 30, None),
        Response(font, "Font", SITE + "/", wait_ms=1520, headers_ms=1560, end_ms=2200),
        response(SITE + "/favicon.ico", "Other", 25, 2300, None),
    ]
    shifts = paint_shifts(slow_server, fcp_ms=200, lcp_ms=2000, render_blocking=[], lcp_url=None)
    assert shifts.fcp_ms == 0  # the first paint came before the font answered
    assert 2000 - shifts.lcp_ms == pytest.approx(2200 - 1495)  # the font with the median server time
    # A fast server, a big font still downloading when Chromium painted a fallback: later.
    big_font = [slow_server[0], Response(font, "Font", SITE + "/", 25, 100, 3000), slow_server[2]]
    shifts = paint_shifts(big_font, fcp_ms=200, lcp_ms=2000, render_blocking=[], lcp_url=None)
    assert shifts.lcp_ms == pytest.approx(-1000)
    assert shifts.at(2500) == 0  # what came after the paint is not moved later
    # An image LCP does not wait for fonts it was not painted with.
    image = paint_shifts(big_font, fcp_ms=200, lcp_ms=2000, render_blocking=[], lcp_url=SITE + "/a.png")
    assert image.lcp_ms == 0


def test_lab_metrics_apply_the_shifts_and_keep_what_was_watched() -> None:
    script = SITE + "/slow.js"
    data = {
        "nav": {"responseStart": 25, "domContentLoadedEventEnd": 1150, "loadEventEnd": 1300},
        "paints": {"first-contentful-paint": 1200},
        "lcp": 1200,
        "longTasks": [[1250, 150]],
        "blockingScripts": [script],
        "responses": [
            response(SITE + "/", "Document", 20, 30, None),
            response(script, "Script", 1020, 1100),
            response(SITE + "/favicon.ico", "Other", 25, 1900, None),
        ],
    }
    metrics = lab_metrics(data)
    assert metrics["fcp_ms"] == metrics["lcp_ms"] == 205
    assert metrics["watched_fcp_ms"] == metrics["watched_lcp_ms"] == 1200
    assert metrics["ttfb_ms"] == 25  # the document's own answer is as watched
    assert metrics["tbt_ms"] == 100 and metrics["tti_ms"] == 1250 + 150 - 995
    assert metrics["dom_content_loaded_ms"] == 1150 - 995


def test_slow_responses_lists_the_files_far_slower_than_their_origin() -> None:
    found = [
        response(SITE + "/", "Document", 20, 30, None),
        response(SITE + "/hero.jpg", "Image", 1520, 1600),
        response(SITE + "/logo.png", "Image", 90, 200),
        response(SITE + "/favicon.ico", "Other", 25, 1900, None),
    ]
    # the origin's median wait is (25 + 90) / 2
    assert slow_responses(found) == [{"url": SITE + "/hero.jpg", "extra_server_ms": 1462}]
