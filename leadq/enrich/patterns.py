"""Dates in scraped pages: the copyright year (contact details are ``leadq.contacts``).

Scraped text is hostile, so the pattern runs in linear time: each quantifier
is bounded or followed by a character it cannot consume.
"""

from __future__ import annotations

import re

COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright)[^0-9<>]{0,24}((?:19|20)\d\d)(?!\d)"
    r"(?:[ \t]{0,3}[-–—][ \t]{0,3}((?:19|20)\d\d)(?!\d))?",
    re.IGNORECASE,
)


def copyright_year(text: str) -> int | None:
    """The latest year of the copyright notices in ``text`` ("© 2009-2016" -> 2016)."""
    years = [int(year) for match in COPYRIGHT.finditer(text) for year in match.groups() if year]
    return max(years, default=None)
