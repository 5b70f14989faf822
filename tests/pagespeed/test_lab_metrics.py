"""Lab metrics from the browser's entries, and the page checks, as pure functions."""

from __future__ import annotations

import pytest

from leadq.pagespeed.checks import site_checks, viewport_ok
from leadq.pagespeed.lab_metrics import cumulative_layout_shift, lab_metrics, total_blocking_time


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
    assert metrics["tti_ms"] == 650
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
