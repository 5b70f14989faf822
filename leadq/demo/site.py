"""Rendering a demo site: leadq's industry templates, or the operator's own from LEADQ_DEMO_TEMPLATES.

A template in the operator's directory overrides leadq's of the same name
(``trades.html.j2``, or ``base.html.j2`` for every industry at once), so a
studio restyles all demos by dropping one file there. Autoescape is always on:
the business text is scraped. Template mistakes are the operator's, so they
surface as one ``ConfigError`` naming the file and line, not as a traceback
inside a job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2

from leadq.demo.content import Business
from leadq.errors import ConfigError

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
SUFFIX = ".html.j2"


@dataclass(frozen=True)
class Agency:
    name: str
    url: str | None


def environment(user_dir: Path | None) -> jinja2.Environment:
    """Templates from ``user_dir`` first, then leadq's; autoescaped HTML."""
    if user_dir is not None and not user_dir.is_dir():
        raise ConfigError(
            f"LEADQ_DEMO_TEMPLATES={str(user_dir)!r}: expected a directory of *.html.j2 templates"
        )
    search = [str(user_dir)] if user_dir is not None else []
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([*search, str(PACKAGE_TEMPLATES)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def check_templates(user_dir: Path | None) -> None:
    """Compile every template in ``user_dir`` (and what it extends): a mistake is one
    ``ConfigError`` before any work is queued, not a failed job per lead."""
    if user_dir is None:
        return
    env = environment(user_dir)
    for path in sorted(user_dir.glob("*" + SUFFIX)):
        try:
            env.get_template(path.name)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(
                f"demo template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}"
            ) from None


def render_page(
    env: jinja2.Environment,
    template: str,
    business: Business,
    agency: Agency,
    *,
    beacon_url: str | None = None,
    lang: str = "en",
) -> str:
    """The demo's index.html. ``template`` is an industry key (``trades``) or a template name."""
    name = template if template.endswith(SUFFIX) else template + SUFFIX
    try:
        return env.get_template(name).render(
            business=business.to_dict(),
            agency={"name": agency.name, "url": agency.url},
            beacon_url=beacon_url,
            lang=lang,
            year=datetime.now(UTC).year,
        )
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(
            f"demo template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}"
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(f"demo template {exc.name!r} not found (needed by {name})") from None
    except jinja2.TemplateError as exc:
        raise ConfigError(f"demo template {_origin(env, name)}: {exc}") from None


def _origin(env: jinja2.Environment, name: str) -> str:
    """The file a template name resolves to, for an error about it."""
    try:
        return env.loader.get_source(env, name)[1] or name  # type: ignore[union-attr]
    except jinja2.TemplateNotFound:
        return name
