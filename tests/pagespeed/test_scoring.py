"""Lighthouse's scoring curves reproduce the scores Lighthouse itself wrote in real reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leadq.pagespeed.scoring import WEIGHTS, log_normal_score, metric_score, performance_score

LHR_13 = Path(__file__).parents[1] / "fixtures" / "psi" / "lighthouse-13.5-lhr-local-fast-page-mobile.json"


def test_the_control_points_score_0_9_and_0_5() -> None:
    assert log_normal_score(1800, 3000, 1800) == 0.9
    assert log_normal_score(1800, 3000, 3000) == 0.5


def test_zero_or_negative_values_score_1() -> None:
    assert log_normal_score(200, 600, 0) == 1.0


@pytest.mark.parametrize(
    "audit_id,key",
    [
        ("total-blocking-time", "tbt_ms"),
        ("first-contentful-paint", "fcp_ms"),
        ("largest-contentful-paint", "lcp_ms"),
        ("speed-index", "speed_index_ms"),
    ],
)
def test_metric_scores_match_a_real_lighthouse_13_report(audit_id, key) -> None:
    audit = json.loads(LHR_13.read_text())["audits"][audit_id]
    assert metric_score(key, audit["numericValue"], "mobile") == audit["score"]


def test_desktop_curves_are_stricter_than_mobile() -> None:
    assert metric_score("lcp_ms", 2000, "desktop") < metric_score("lcp_ms", 2000, "mobile")


def test_weights_add_up_to_100_like_lighthouses_performance_category() -> None:
    assert sum(WEIGHTS.values()) == 100


def test_the_performance_score_of_a_real_report_is_reproduced() -> None:
    audits = json.loads(LHR_13.read_text())["audits"]
    metrics = {
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "speed_index_ms": audits["speed-index"]["numericValue"],
    }
    assert performance_score(metrics, "mobile") == 100


def test_a_slow_page_scores_low_and_a_missing_metric_gives_no_score() -> None:
    slow = {"fcp_ms": 6000, "lcp_ms": 9000, "tbt_ms": 1500, "cls": 0.4, "speed_index_ms": 9000}
    assert performance_score(slow, "mobile") == 13
    assert performance_score({**slow, "cls": None}, "mobile") is None
