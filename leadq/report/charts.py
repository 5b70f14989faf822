"""Small inline SVG charts for reports: score gauges, a funnel, a histogram.

Inline SVG, not a charting library or images: the report must be one
self-contained file that renders the same offline, in print and in a PDF.
Every function returns markup with its text escaped (labels can come from
scraped pages), wrapped in ``Markup`` so Jinja2 inserts it as is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

#: Lighthouse's score colours (report renderer's --color-fail/average/pass) and bands.
RED, ORANGE, GREEN, GREY = "#cc0000", "#c33300", "#008800", "#757575"
FILL = {"fail": "#ff4e42", "average": "#ffa400", "pass": "#0cce6b", "none": "#bdbdbd"}


def score_band(score: float | None) -> str:
    """Lighthouse's bands: 0-49 fail, 50-89 average, 90-100 pass."""
    if score is None:
        return "none"
    return "pass" if score >= 90 else "average" if score >= 50 else "fail"


def gauge(score: int | None, label: str, *, size: int = 120) -> Markup:
    """A ring filled to ``score``/100 in its band's colour, the number in the middle."""
    band = score_band(score)
    radius = 52
    circumference = 2 * math.pi * radius
    filled = circumference * (score or 0) / 100
    shown = "–" if score is None else str(score)
    text = {"fail": RED, "average": ORANGE, "pass": GREEN, "none": GREY}[band]
    return Markup(
        f'<svg class="gauge gauge-{band}" role="img" aria-label="{escape(label)}: {shown} out of 100" '
        f'width="{size}" height="{size}" viewBox="0 0 120 120">'
        f'<circle cx="60" cy="60" r="{radius}" fill="{FILL[band]}" fill-opacity="0.1" stroke="#e0e0e0" '
        'stroke-width="8"/>'
        f'<circle cx="60" cy="60" r="{radius}" fill="none" stroke="{FILL[band]}" stroke-width="8" '
        f'stroke-dasharray="{filled:.1f} {circumference:.1f}" stroke-linecap="round" '
        'transform="rotate(-90 60 60)"/>'
        f'<text x="60" y="70" text-anchor="middle" font-size="32" font-weight="700" fill="{text}">'
        f"{shown}</text></svg>"
    )


def funnel(stages: Sequence[tuple[str, int]], *, width: int = 560) -> Markup:
    """Horizontal bars, one per stage, each as wide as its share of the first stage."""
    row = 34
    height = row * len(stages) + 4
    top = max((count for _, count in stages[:1]), default=0) or 1
    label_width = 150
    bar_room = width - label_width - 90
    parts = [
        f'<svg class="funnel" role="img" aria-label="funnel" width="100%" viewBox="0 0 {width} {height}" '
        'preserveAspectRatio="xMinYMin meet">'
    ]
    for index, (label, count) in enumerate(stages):
        y = index * row + 2
        bar = max(2.0, bar_room * count / top) if count else 0.0
        share = f"{100 * count / top:.0f} %" if index else ""
        parts.append(
            f'<text x="0" y="{y + 21}" font-size="14">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{bar:.1f}" height="{row - 10}" rx="3" '
            'fill="#1a73e8"/>'
            f'<text x="{label_width + bar + 6:.1f}" y="{y + 21}" font-size="14">{count} '
            f'<tspan fill="{GREY}">{share}</tspan></text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(scores: Sequence[int], *, width: int = 560, height: int = 160) -> Markup:
    """How many scores fall in each ten-point bin (0-9 ... 90-100), bars in Lighthouse's colours."""
    bins = [0] * 10
    for score in scores:
        bins[min(9, max(0, int(score)) // 10)] += 1
    return columns(
        [(str(index * 10), count, FILL[score_band(index * 10)]) for index, count in enumerate(bins)],
        label="score distribution",
        width=width,
        height=height,
    )


def columns(
    bars: Sequence[tuple[str, int, str]], *, label: str, width: int = 560, height: int = 160
) -> Markup:
    """Vertical bars (axis label, count, colour), each with its count on top."""
    tallest = max((count for _, count, _ in bars), default=0) or 1
    plot = height - 36
    slot = width / max(1, len(bars))
    parts = [
        f'<svg class="columns" role="img" aria-label="{escape(label)}" width="100%" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet">'
    ]
    for index, (axis, count, colour) in enumerate(bars):
        bar = plot * count / tallest
        x = index * slot + slot * 0.1
        y = 16 + plot - bar
        middle = x + slot * 0.4
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{bar:.1f}" fill="{colour}"/>'
            f'<text x="{middle:.1f}" y="{y - 3:.1f}" font-size="12" text-anchor="middle">{count or ""}</text>'
            f'<text x="{middle:.1f}" y="{height - 4}" font-size="11" text-anchor="middle" '
            f'fill="{GREY}">{escape(axis)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
