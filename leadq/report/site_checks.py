"""Checks from the lead's crawled website (``Lead.signals``): contact details, CMS version, upkeep.

The audit's own checks (HTTPS, viewport ...) come from the page load; these
come from the enrichment crawl, which reads several pages of the site.
"""

from __future__ import annotations

import re
from typing import Any

from leadq.pagespeed.record import Check

#: Oldest major version each CMS still ships fixes for (wordpress.org/about/security: fixes go to
#: the 6.x branch; Joomla 4 reached end of life in October 2025; Drupal 7 and 9 are end of life).
SUPPORTED_MAJOR = {"WordPress": 6, "Joomla": 5, "Drupal": 10}
_VERSION = re.compile(r"(\d+)(?:\.(\d+))?")
#: A copyright notice older than this many years reads as a site nobody looks after.
STALE_YEARS = 2


def cms_version(generator: str | None, cms: str | None) -> tuple[str, int, str] | None:
    """(CMS, major version, version text) when the generator tag names a known CMS and a version."""
    if not generator or cms not in SUPPORTED_MAJOR:
        return None
    after = generator.lower().split(cms.lower(), 1)
    match = _VERSION.search(after[1]) if len(after) == 2 else None
    if match is None:
        return None
    return cms, int(match.group(1)), match.group(0)


def lead_checks(signals: dict[str, Any], *, year: int) -> list[Check]:
    """Checks the crawl can answer; a question it cannot answer (no version shown) is left out."""
    if not signals or not signals.get("reachable"):
        return []
    emails, phones = signals.get("emails") or [], signals.get("phones") or []
    found = [what for what, present in (("email", emails), ("phone", phones)) if present]
    if signals.get("contact_form"):
        found.append("contact form")
    checks = [
        Check(
            "contact_details",
            bool(emails or phones),
            ", ".join(found) + " found on the site" if found else "no email address or phone number found",
        )
    ]
    version = cms_version(signals.get("generator"), signals.get("cms"))
    if version is not None:
        cms, major, text = version
        checks.append(
            Check(
                "cms_current",
                major >= SUPPORTED_MAJOR[cms],
                f"{cms} {text} (supported releases: {SUPPORTED_MAJOR[cms]}.x and later)",
            )
        )
    copyright_year = signals.get("copyright_year")
    if copyright_year:
        checks.append(
            Check(
                "copyright_current", copyright_year >= year - STALE_YEARS, f"© {copyright_year} in the footer"
            )
        )
    return checks
