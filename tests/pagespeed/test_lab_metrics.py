"""Lab metrics from the browser's entries, and the page checks, as pure functions."""

from __future__ import annotations

import pytest

from leadq.pagespeed.checks import site_checks, viewport_ok
from leadq.pagespeed.lab_metrics import (
    cumulative_layout_shift,
    estimated_metrics,
    lab_metrics,
    total_blocking_time,
)
from leadq.pagespeed.server_time import Response


def test_cls_is_the_largest_session_window_not_the_sum() -> None:
    # two shifts 0.5 s apart form one window; a third 3 s later starts another
    assert cumulative_layout_shift([[100, 0.05], [600, 0.07], [3600, 0.1]]) == pytest.approx(0.12)


def test_a_cls_window_closes_after_5_seconds() -> None:
    shifts = [[t, 0.02] for t in range(0, 7000, 500)]  # never a 1 s gap
    assert cumulative_layout_shift(shifts) == pytest.approx(0.02 * 11)


def test_tbt_counts_only_task_time_over_50_ms_after_fcp() -> None:
    tasks = [[0, 300], [1000, 120], [2000, 40]]
    assert total_blocking_time(tasks, fcp_ms=200) == 100 + 70
    assert total_blocking_time(tasks, fcp_ms=None) == 250 + 70


def test_blocking_time_counts_from_the_end_of_parsing_when_the_first_paint_came_later() -> None:
    # A throttled CPU ran two timer tasks after the parse and before the first paint.
    data = {
        "nav": {"responseStart": 100, "domContentLoadedEventEnd": 300, "loadEventEnd": 900},
        "paints": {"first-contentful-paint": 1100},
        "lcp": 1100,
        "longTasks": [[320, 400], [720, 400]],
    }
    assert lab_metrics(data)["tbt_ms"] == 350 + 350
    data["paints"]["first-contentful-paint"] = 250  # painted before the parse ended: from FCP
    assert lab_metrics(data)["tbt_ms"] == 350 + 350
    data["longTasks"] = [[100, 200]]
    assert lab_metrics(data)["tbt_ms"] == 50


def test_metrics_come_from_navigation_paint_and_observer_entries() -> None:
    data = {
        "nav": {"responseStart": 120.4, "domContentLoadedEventEnd": 300, "loadEventEnd": 450},
        "paints": {"first-contentful-paint": 400},
        "lcp": 1400,
        "shifts": [],
        "longTasks": [[500, 150]],
    }
    metrics = lab_metrics(data)
    assert metrics["ttfb_ms"] == 120.4
    assert metrics["fcp_ms"] == 400
    assert metrics["lcp_ms"] == 1400
    assert metrics["speed_index_ms"] == 900
    assert metrics["tbt_ms"] == 100
    assert metrics["tti_ms"] == 1400  # Lantern's: the last long task's end, not before LCP
    assert metrics["cls"] == 0


@pytest.mark.parametrize(
    ("content", "ok"),
    [
        ("width=device-width, initial-scale=1", True),
        ("initial-scale=1.0", True),
        ("width=1024", False),
        ("", False),
        (None, False),
    ],
)
def test_a_mobile_viewport_needs_device_width_or_an_initial_scale(content, ok) -> None:
    assert viewport_ok(content) is ok


def test_checks_report_https_title_description_images_and_blocking_files() -> None:
    data = {
        "viewport": "width=device-width",
        "title": "  ",
        "description": "Plumbers",
        "unsizedImages": ["a.jpg"],
        "blockingScripts": [],
        "blockingStyles": ["s.css"],
    }
    checks = {c.id: c.passed for c in site_checks(data, "https://joes.example/")}
    assert checks == {
        "https": True,
        "viewport": True,
        "title": False,
        "meta_description": True,
        "image_dimensions": False,
        "render_blocking": False,
    }


def _frame(painted_rows: int) -> bytes:
    """A 100x100 white frame whose top ``painted_rows`` rows are dark blue (PNG: no JPEG noise)."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (100, 100), "white")
    if painted_rows:
        ImageDraw.Draw(image).rectangle([0, 0, 99, painted_rows - 1], fill=(20, 40, 120))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_speed_index_sums_the_unpainted_part_of_the_page_over_time() -> None:
    from leadq.pagespeed.filmstrip import Frame, progress_curve, speed_index_of, visual_progress

    start = 1_000_000.0
    frames = [Frame(start - 20, _frame(0)), Frame(start + 1000, _frame(50)), Frame(start + 3000, _frame(100))]
    assert visual_progress(frames) == [0, 50, 100]
    assert progress_curve(frames, start) == [(0, 0), (1000, 50), (3000, 100)]
    # blank for 1 s, half painted for 2 s: 1000 + 2000 * 0.5
    assert speed_index_of(progress_curve(frames, start)) == 2000
    assert speed_index_of(progress_curve([], start)) is None


def test_watched_long_tasks_leave_the_estimated_list_and_no_film_means_a_rough_speed_index() -> None:
    from leadq.pagespeed.lab_metrics import estimated_metrics

    data = {"nav": {}, "paints": {"first-contentful-paint": 400}, "lcp": 800, "longTasks": []}
    assert estimated_metrics(data) == ["tbt_ms", "tti_ms", "speed_index_ms"]
    measured = {**data, "watching": ["longtask"]}
    assert estimated_metrics(measured) == ["tti_ms", "speed_index_ms"]  # Lantern's, always
    assert lab_metrics(measured)["speed_index_ms"] == 600  # no film: half painted at FCP, the rest at LCP


def test_speed_index_is_lanterns_blend_of_the_film_and_fcp_on_each_preset() -> None:
    # Text at 300 ms (half the screen), a hero image at 1800 ms: a film Speed Index of 1050.
    site = "https://joes-plumbing.example"
    data = {
        "strategy": "desktop",
        "nav": {"responseStart": 25, "domContentLoadedEventEnd": 250, "loadEventEnd": 1850},
        "paints": {"first-contentful-paint": 300},
        "lcp": 1800,
        "lcpUrl": site + "/hero.jpg",
        "speedIndex": 1050,
        "responses": [
            Response(site + "/", "Document", None, wait_ms=20, headers_ms=25, end_ms=30),
            Response(site + "/hero.jpg", "Image", site + "/", wait_ms=1400, headers_ms=1690, end_ms=1790),
            Response(site + "/favicon.ico", "Other", None, wait_ms=20, headers_ms=1900, end_ms=1905),
        ],
    }
    metrics = lab_metrics(data)
    # The paints as Lantern times the requests: the document 195 ms later (DNS and a new https
    # connection, 200 ms, and the origin's median server time, 20 ms, against 25 ms watched),
    # the image one round trip on its connection: LCP 1800 - (-195 + 1500 - 40 - 20) = 555.
    assert metrics["fcp_ms"] == 495 and metrics["lcp_ms"] == 555
    # Lantern's blend: the film, and FCP standing for the layouts.
    assert metrics["speed_index_ms"] == pytest.approx(0.575 * 1050 + (0.5 - 0.1 / 12) * 495, abs=0.1)
    assert "speed_index_ms" in estimated_metrics(data)
    mobile = lab_metrics({**data, "strategy": "mobile"})
    assert mobile["speed_index_ms"] == pytest.approx(1.4 * 1050 + 0.4 * mobile["fcp_ms"], abs=0.1)


def test_tti_is_the_end_of_the_last_long_task_however_late_as_lantern_has_it() -> None:
    tasks = [[500, 150], [6000, 300], [6500, 40]]
    metrics = lab_metrics({"nav": {}, "paints": {"first-contentful-paint": 400}, "longTasks": tasks})
    assert metrics["tti_ms"] == 6300  # after 5 s without one; a 40 ms task is not long
    assert metrics["tbt_ms"] == 100 + 250
