"""Where leads come from: one small module per source behind one interface (``base.Source``)."""

from __future__ import annotations

from typing import Any

from leadq.errors import UserError
from leadq.settings import Settings
from leadq.sources.base import Source
from leadq.sources.craigslist import CraigslistSource
from leadq.sources.declarative import DeclarativeSource
from leadq.sources.yellowpages import YellowPagesSource

#: Built-in sources by command-line name.
BUILTIN: dict[str, type[Source]] = {
    CraigslistSource.name: CraigslistSource,
    YellowPagesSource.name: YellowPagesSource,
}

#: Names leadq deliberately refuses, with the reason shown to the user.
REFUSED = {
    "linkedin": "LinkedIn is deliberately not a source: its data sits behind a login wall and its "
    "terms of use forbid scraping. Use a directory (yellowpages) or a --source-file instead.",
}


def get_source(name: str, settings: Settings, spec: dict[str, Any] | None = None) -> Source:
    """The source called ``name``; ``spec`` (a declarative TOML dict) builds a declarative one."""
    if spec is not None:
        return DeclarativeSource(spec)
    key = name.strip().lower()
    if key in REFUSED:
        raise UserError(REFUSED[key])
    try:
        return BUILTIN[key](settings)
    except KeyError:
        known = ", ".join(sorted(BUILTIN))
        raise UserError(f"unknown source {name!r} (known: {known}; or use --source-file FILE.toml)") from None
