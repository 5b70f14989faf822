"""Lighthouse's robots.txt validator (core/audits/seo/robots-txt.js), line by line.

A line is a known directive, a comment or blank; allow/disallow patterns start
with "/" or "*" (or are empty) and may end in "$"; sitemaps are absolute
http(s)/ftp URLs; allow/disallow only after a user-agent line.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_KNOWN = {
    "user-agent",
    "disallow",
    "allow",
    "sitemap",
    "crawl-delay",
    "clean-param",
    "host",
    "request-rate",
    "visit-time",
    "noindex",
}
_SITEMAP_SCHEMES = {"https", "http", "ftp"}


def robots_txt_errors(content: str) -> list[str]:
    """One "line N: problem" per invalid line, as Lighthouse reports them."""
    errors = []
    in_group = False
    for number, line in enumerate(re.split(r"\r\n|\r|\n", content), 1):
        try:
            parsed = _parse(line)
        except ValueError as exc:
            errors.append(f"line {number}: {exc}")
            continue
        if parsed is None:
            continue
        if parsed[0] == "user-agent":
            in_group = True
        elif not in_group and parsed[0] in ("allow", "disallow"):
            errors.append(f"line {number}: No user-agent specified")
    return errors


def _parse(line: str) -> tuple[str, str] | None:
    line = line.split("#", 1)[0].strip()
    if not line:
        return None
    if ":" not in line:
        raise ValueError("Syntax not understood")
    name, _, value = line.partition(":")
    name, value = name.strip().lower(), value.strip()
    if name not in _KNOWN:
        raise ValueError("Unknown directive")
    if name == "sitemap":
        try:
            parts = urlsplit(value)
        except ValueError:
            raise ValueError("Invalid sitemap URL") from None
        if not parts.scheme or not (parts.netloc or parts.path):
            raise ValueError("Invalid sitemap URL")
        if parts.scheme.lower() not in _SITEMAP_SCHEMES:
            raise ValueError("Invalid sitemap URL protocol")
    if name == "user-agent" and not value:
        raise ValueError("No user-agent specified")
    if name in ("allow", "disallow"):
        if value and value[0] not in "/*":
            raise ValueError('Pattern should either be empty, start with "/" or "*"')
        if "$" in value and value.index("$") != len(value) - 1:
            raise ValueError('"$" should only be used at the end of the pattern')
    return name, value
