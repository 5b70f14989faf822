"""Lighthouse's performance scoring, so a local audit's score compares with PSI's.

Every constant below is copied from the Lighthouse source (GoogleChrome/lighthouse,
v13.4.1, commit f8eac394a68b):

- control points (``p10``, ``median``) per metric and form factor:
  ``core/audits/metrics/first-contentful-paint.js``, ``largest-contentful-paint.js``,
  ``total-blocking-time.js``, ``cumulative-layout-shift.js``, ``speed-index.js``,
  ``interactive.js`` (``static get defaultOptions`` -> ``scoring``);
- metric weights: ``core/config/default-config.js`` (performance ``auditRefs``; the
  desktop config extends it and keeps the weights);
- the log-normal curve: ``shared/statistics.js`` ``getLogNormalScore`` and the
  "boost above 0.9, floor to two digits" step of ``shared/util.js``
  ``computeLogNormalScore``; the category score is the weighted mean rounded to two
  digits (``core/scoring.js`` ``arithmeticMean``).

Lighthouse 10+ gives Time to Interactive no weight, so it is kept for display only.
"""

from __future__ import annotations

import math
from typing import Literal

Strategy = Literal["mobile", "desktop"]

#: metric key -> form factor -> (p10, median). CLS is unitless and the same on both.
CONTROL_POINTS: dict[str, dict[str, tuple[float, float]]] = {
    "fcp_ms": {"mobile": (1800, 3000), "desktop": (934, 1600)},
    "lcp_ms": {"mobile": (2500, 4000), "desktop": (1200, 2400)},
    "tbt_ms": {"mobile": (200, 600), "desktop": (150, 350)},
    "cls": {"mobile": (0.1, 0.25), "desktop": (0.1, 0.25)},
    "speed_index_ms": {"mobile": (3387, 5800), "desktop": (1311, 2300)},
    "tti_ms": {"mobile": (3785, 7300), "desktop": (2468, 4500)},
}

#: Performance category weights (sum 100).
WEIGHTS: dict[str, int] = {
    "fcp_ms": 10,
    "lcp_ms": 25,
    "tbt_ms": 30,
    "cls": 25,
    "speed_index_ms": 10,
}

#: The CPU slowdown of Lighthouse's presets (Moto G Power on mobile): applied to the watched
#: load by Chromium itself. The network is not throttled: Lantern's is applied to what the
#: load's requests took instead (``server_time``).
CPU_SLOWDOWN: dict[str, float] = {"mobile": 4.0, "desktop": 1.0}
#: The round trip and throughput Lantern simulates per preset (Slow 4G; the desktop preset's Dense 4G).
LANTERN_RTT_MS: dict[str, float] = {"mobile": 150.0, "desktop": 40.0}
LANTERN_THROUGHPUT_KBPS: dict[str, float] = {"mobile": 1.6 * 1024, "desktop": 10.0 * 1024}


def speed_index_weights(strategy: Strategy) -> tuple[float, float]:
    """Lantern's weights of the observed (unthrottled) Speed Index and of its layout-based
    estimate, scaled to the preset's round trip (``SpeedIndex.getScaledCoefficients``:
    1.4 and 0.4 at 150 ms, both nearer 0.5 as the round trip nears 30 ms)."""
    scale = max((LANTERN_RTT_MS[strategy] - 30) / (150 - 30), 0.0)
    return 0.5 + (1.4 - 0.5) * scale, 0.5 + (0.4 - 0.5) * scale


MOBILE_SCREEN = {"width": 412, "height": 823, "device_scale_factor": 1.75, "mobile": True}
DESKTOP_SCREEN = {"width": 1350, "height": 940, "device_scale_factor": 1.0, "mobile": False}
MOBILE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/136.0.0.0 Mobile Safari/537.36"
)
DESKTOP_USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/136.0.0.0 Safari/537.36"
)

# Exact doubles Lighthouse clamps each scoring band to (shared/statistics.js).
_MIN_PASSING = 0.9
_MAX_AVERAGE = math.nextafter(0.9, 0.0)
_MIN_AVERAGE = 0.5
_MAX_FAILING = math.nextafter(0.5, 0.0)
_INVERSE_ERFC_ONE_FIFTH = 0.9061938024368232


def _erf(x: float) -> float:
    """Abramowitz-Stegun 7.1.26, as Lighthouse uses (not math.erf), to match its scores exactly."""
    sign = math.copysign(1.0, x)
    x = abs(x)
    t = 1 / (1 + 0.3275911 * x)
    y = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1 - y * math.exp(-x * x))


def log_normal_score(p10: float, median: float, value: float) -> float:
    """Score 0..1 of ``value`` on the curve that gives 0.9 at ``p10`` and 0.5 at ``median``."""
    if value <= 0:
        return 1.0
    standardized = math.log(value / median) * _INVERSE_ERFC_ONE_FIFTH / -math.log(p10 / median)
    percentile = (1 - _erf(standardized)) / 2
    if value <= p10:
        score = max(_MIN_PASSING, min(1.0, percentile))
    elif value <= median:
        score = max(_MIN_AVERAGE, min(_MAX_AVERAGE, percentile))
    else:
        score = max(0.0, min(_MAX_FAILING, percentile))
    if score > 0.9:
        score += 0.05 * (score - 0.9)
    return math.floor(score * 100) / 100


def metric_score(metric: str, value: float, strategy: Strategy) -> float:
    """Lighthouse's 0..1 score of one metric value for a form factor."""
    p10, median = CONTROL_POINTS[metric][strategy]
    return log_normal_score(p10, median, value)


def performance_score(metrics: dict[str, float | None], strategy: Strategy) -> int | None:
    """The 0-100 performance score from the five weighted metrics, or None if one is missing."""
    total = 0.0
    for metric, weight in WEIGHTS.items():
        value = metrics.get(metric)
        if value is None:
            return None
        total += metric_score(metric, value, strategy) * weight
    # core/scoring.js rounds the mean to two digits; the report shows Math.round(score * 100).
    mean = _js_round(total / sum(WEIGHTS.values()) * 100) / 100
    return int(_js_round(mean * 100))


def _js_round(value: float) -> float:
    """JavaScript's Math.round (halves go up), not Python's banker's rounding."""
    return math.floor(value + 0.5)
