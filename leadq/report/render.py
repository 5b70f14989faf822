"""Jinja2 rendering of reports, with a user template directory in front of leadq's own.

A file of the same name in ``report_template_dir`` replaces leadq's
(``audit.html.j2``, ``campaign.html.j2``, ``report.css``); leadq's own stay
reachable as ``leadq/<name>``, so an override can extend one and replace a
block (``{% extends "leadq/audit.html.j2" %}``). Autoescaping is on for everything: report text
comes from scraped pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
)

from leadq.errors import ConfigError


def environment(template_dir: Path | None) -> Environment:
    own = PackageLoader("leadq.report", "templates")
    loaders: list = []
    if template_dir is not None:
        if not Path(template_dir).is_dir():
            raise ConfigError(f"report_template_dir {template_dir} is not a directory")
        loaders.append(FileSystemLoader(str(template_dir)))
    loaders += [own, PrefixLoader({"leadq": own})]
    return Environment(loader=ChoiceLoader(loaders), autoescape=True, undefined=StrictUndefined)


def render(template: str, template_dir: Path | None, **context: Any) -> str:
    """The rendered page; a broken user template is a one-line configuration error."""
    try:
        return environment(template_dir).get_template(template).render(**context)
    except TemplateError as exc:
        where = f" ({exc.filename}:{exc.lineno})" if getattr(exc, "lineno", None) else ""
        raise ConfigError(f"report template {template}: {exc.message}{where}") from None
