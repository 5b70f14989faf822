"""Outreach templates: Jinja2 in a sandbox, subject + plain text + optional HTML.

A template file is TOML with ``subject``, ``text`` and (optionally) ``html``.
Values such as a lead's scraped name are data, never template code: they are
passed as variables to a ``SandboxedEnvironment``, which also stops a template
from reaching Python internals. The HTML environment autoescapes, so a name
like ``<script>`` arrives as text. Missing variables are errors (StrictUndefined)
so a typo fails at `campaign create` / `email preview`, not at send time.
"""

from __future__ import annotations

import html as html_lib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from leadq.errors import UserError, ValidationFailed
from leadq.mail.headers import clean_header_text


def _none_as_empty(value: Any) -> Any:
    return "" if value is None else value


_TEXT_ENV = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, finalize=_none_as_empty, keep_trailing_newline=True
)
_HTML_ENV = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=True, finalize=_none_as_empty, keep_trailing_newline=True
)


@dataclass(frozen=True)
class TemplateSource:
    """The three template strings of one email step."""

    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True)
class Rendered:
    """A rendered email body before compliance footers are added."""

    subject: str
    text: str
    html: str


def load_template(path: Path) -> TemplateSource:
    """Read a TOML template file; UserError with the file name on any problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"template file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"template {path}: not valid TOML ({exc})") from None
    unknown = set(data) - {"subject", "text", "html"}
    if unknown:
        raise UserError(f"template {path}: unknown keys {sorted(unknown)} (use subject, text, html)")
    for key in ("subject", "text"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise UserError(f"template {path}: `{key}` is required and must be a non-empty string")
    if "html" in data and not isinstance(data["html"], str):
        raise UserError(f"template {path}: `html` must be a string")
    source = TemplateSource(subject=data["subject"], text=data["text"], html=data.get("html"))
    compile_template(source, where=str(path))
    return source


def compile_template(source: TemplateSource, *, where: str = "template") -> None:
    """Parse every part so syntax errors surface when the template is loaded."""
    parts = [("subject", _TEXT_ENV, source.subject), ("text", _TEXT_ENV, source.text)]
    if source.html is not None:
        parts.append(("html", _HTML_ENV, source.html))
    for name, env, text in parts:
        try:
            env.parse(text)
        except TemplateError as exc:
            raise UserError(f"{where}: {name} has a template error: {exc}") from None


def text_to_html(text: str) -> str:
    """A plain-text body as simple escaped HTML paragraphs."""
    paragraphs = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    return "\n".join(f"<p>{html_lib.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def render(source: TemplateSource, variables: dict[str, Any]) -> Rendered:
    """Render all parts with the same variables; ValidationFailed on any template error."""
    try:
        subject = _TEXT_ENV.from_string(source.subject).render(variables)
        text = _TEXT_ENV.from_string(source.text).render(variables)
        html = (
            _HTML_ENV.from_string(source.html).render(variables)
            if source.html is not None
            else text_to_html(text)
        )
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        # Runtime errors of template code (`{{ lead.name + 1 }}`, a division by
        # zero) fail the same way for every lead: permanent, not a crash to retry.
        raise ValidationFailed(f"template cannot render: {type(exc).__name__}: {exc}") from None
    return Rendered(subject=clean_header_text(subject, max_length=200), text=text, html=html)
