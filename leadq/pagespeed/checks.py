"""Site checks a salesperson can explain: HTTPS, mobile viewport, title, description, images, blocking files.

Pure: they read the facts ``probe.COLLECT`` returned and the final URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from leadq.pagespeed.record import Check


def viewport_ok(content: str | None) -> bool:
    """A mobile viewport sets ``width=device-width`` (or an initial scale), as Lighthouse's check wants."""
    if not content:
        return False
    pairs = {}
    for part in content.replace(";", ",").split(","):
        key, _, value = part.partition("=")
        pairs[key.strip().lower()] = value.strip().lower()
    return pairs.get("width") == "device-width" or "initial-scale" in pairs


def site_checks(data: dict[str, Any], final_url: str) -> list[Check]:
    """Every check, passed or not, in the order a report shows them."""
    unsized = data.get("unsizedImages") or []
    blocking = (data.get("blockingScripts") or []) + (data.get("blockingStyles") or [])
    title = (data.get("title") or "").strip()
    description = (data.get("description") or "").strip()
    return [
        Check("https", urlsplit(final_url).scheme == "https", final_url),
        Check("viewport", viewport_ok(data.get("viewport")), data.get("viewport") or "no viewport meta tag"),
        Check("title", bool(title), title or "no <title>"),
        Check("meta_description", bool(description), description or "no meta description"),
        Check("image_dimensions", not unsized, f"{len(unsized)} image(s) without width/height"),
        Check("render_blocking", not blocking, f"{len(blocking)} render-blocking file(s) in <head>"),
    ]
