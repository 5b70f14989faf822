"""Shared terminal output: Rich consoles, one-line errors, JSON printing."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one red line on stderr and exit non-zero, never a traceback."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=code)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping.

    JSON escapes C0 controls itself; C1 controls, bidi overrides and lone
    surrogates (which only occur inside strings) get ``\\uXXXX`` escapes too, so
    the decoded values stay exact and the raw text is safe on a terminal.
    """
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False)
    typer.echo(_UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match[0]):04x}", text))


def fmt_time(epoch: float | None) -> str:
    """Local wall-clock time for tables; empty when unknown."""
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


STATE_STYLES = {
    "enqueued": "cyan",
    "running": "blue",
    "retrying": "yellow",
    "succeeded": "green",
    "failed": "red",
    "dead": "bold red",
    "cancelled": "magenta",
}


def styled_state(state: str) -> str:
    return f"[{STATE_STYLES.get(state, 'white')}]{state}[/]"


#: Besides C0 controls (ESC, BEL, CR, backspace…), what a terminal may act on instead
#: of showing: DEL, C1 controls, bidi embeddings/overrides/isolates and marks (they
#: reorder what follows, "Trojan Source"), and lone surrogates (no terminal encoding).
_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNPRINTABLE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
_UNPRINTABLE_IN_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_BEYOND_C0}]")
#: JSON escapes C0 itself (and its indentation newlines must stay).
_UNSAFE_IN_JSON = re.compile(f"[{_BEYOND_C0}]")


def safe_text(value: object, *, lines: bool = False) -> str:
    """Scraped or foreign text made safe to put in Rich markup, a table cell or a title.

    Pages are hostile: a business name may hold ``[/]`` (Rich raises MarkupError),
    ``[bold]`` (restyles the line), or, via ``&#27;``, a real escape sequence that
    retitles or rewrites the user's terminal. Control characters are shown as
    Python escapes (``\\x1b``) and markup is escaped, so the value prints as it is.
    ``lines=True`` keeps newlines and tabs, for text meant to span lines (an email body).
    """
    unprintable = _UNPRINTABLE_IN_LINES if lines else _UNPRINTABLE
    visible = unprintable.sub(lambda match: repr(match[0])[1:-1], str(value))
    return escape(visible)
