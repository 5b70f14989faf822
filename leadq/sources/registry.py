"""The built-in sources by command-line name, and the one way to get a source for a job.

Apart from the package's ``__init__`` so that importing one parser
(``leadq.sources.craigslist``) loads that parser alone, not every source and
Selenium with them.
"""

from __future__ import annotations

from typing import Any

from leadq.errors import UsageError, UserError
from leadq.settings import Settings
from leadq.sources.base import Source
from leadq.sources.craigslist import CraigslistSource
from leadq.sources.declarative import DeclarativeSource
from leadq.sources.google_maps import GoogleMapsSource
from leadq.sources.yellowpages import YellowPagesSource

#: Built-in sources by command-line name.
BUILTIN: dict[str, type[Source]] = {
    CraigslistSource.name: CraigslistSource,
    YellowPagesSource.name: YellowPagesSource,
    GoogleMapsSource.name: GoogleMapsSource,
}

#: Names leadq deliberately refuses, with the reason shown to the user.
REFUSED = {
    "linkedin": "LinkedIn is deliberately not a source: its data sits behind a login wall and its "
    "terms of use forbid scraping. Use a directory (yellowpages) or a --source-file instead.",
}


#: The settings field holding each built-in source's base URL (what --base-url overrides).
BASE_URL_FIELDS = {
    "craigslist": "craigslist_base_url",
    "yellowpages": "yellowpages_base_url",
    "google-maps": "google_maps_base_url",
}


def get_source(
    name: str, settings: Settings, spec: dict[str, Any] | None = None, base_url: str | None = None
) -> Source:
    """The source called ``name``; ``spec`` (a declarative TOML dict) builds a declarative one.

    ``base_url`` overrides the source's configured base URL (``--base-url``);
    it travels in job options so workers scrape the same server the CLI chose.
    """
    if spec is not None:
        return DeclarativeSource(spec)
    key = name.strip().lower()
    if key in REFUSED:
        raise UserError(REFUSED[key])
    if key not in BUILTIN:
        known = ", ".join(sorted(BUILTIN))
        raise UsageError(f"unknown source {name!r} (known: {known}; or use --source-file FILE.toml)")
    if base_url:
        if not base_url.startswith(("http://", "https://")):
            raise UserError(f"--base-url must be an http(s) URL, got {base_url!r}")
        settings = settings.model_copy(update={BASE_URL_FIELDS[key]: base_url.rstrip("/")})
    return BUILTIN[key](settings)


def source_for_job(options: dict[str, Any], name: str, settings: Settings) -> Source:
    """The source a scrape job's options describe (spec, base URL)."""
    return get_source(name, settings, options.get("spec"), options.get("base_url"))
