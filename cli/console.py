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

#: `-h` as well as `--help`, on every command (set once on the root context).
HELP_OPTIONS = frozenset({"-h", "--help"})


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one red line on stderr and exit non-zero, never a traceback."""
    warn(message, label="error")
    raise typer.Exit(code=code)


def warn(message: str, *, label: str = "warning") -> None:
    """One line on stderr: `error: …` in red or `warning: …` in yellow.

    The message is printed as text, not markup, and control characters from
    user input (a newline, NEL, an escape) are shown as escapes: they would
    split the line or reach the terminal.
    """
    style = "bold red" if label == "error" else "yellow"
    err.print(f"[{style}]{label}:[/] ", end="", highlight=False)
    err.print(visible(message), markup=False, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping.

    JSON escapes C0 controls itself; C1 controls, bidi overrides and lone
    surrogates (which only occur inside strings) get ``\\uXXXX`` escapes too, so
    the decoded values stay exact and the raw text is safe on a terminal.
    """
    text = json.dumps(data, indent=2, default=str, ensure_ascii=False)
    typer.echo(_UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match[0]):04x}", text))


def print_table(table, *, shown: int | None = None, total: int | None = None) -> None:
    """Print a Rich table; on a pipe or file every cell in full, never cut to a terminal width.

    ``shown``/``total``: a list that stopped at its limit says so, e.g. "50 of 373 shown; --limit".
    """
    if out.is_terminal:
        out.print(table)
    else:
        for column in table.columns:
            column.no_wrap = True
            column.overflow = "fold"
        print_whole(table)
    if shown is not None and total is not None and shown < total:
        err.print(f"{shown} of {total} shown; --limit", highlight=False)


def print_whole(renderable) -> None:
    """Print for a pipe or file: no terminal width to fit, so ids, URLs and cron specs stay whole."""
    wide = Console(width=100_000, no_color=True, highlight=False, soft_wrap=True)
    with wide.capture() as capture:
        wide.print(renderable)
    typer.echo("\n".join(line.rstrip() for line in capture.get().splitlines()))


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
#: of showing: DEL, C1 controls (NEL breaks a line), Unicode line/paragraph separators,
#: bidi embeddings/overrides/isolates and marks (they reorder what follows, "Trojan
#: Source"), and lone surrogates (no terminal encoding).
_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNPRINTABLE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
_UNPRINTABLE_IN_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_BEYOND_C0}]")
#: JSON escapes C0 itself (and its indentation newlines must stay).
_UNSAFE_IN_JSON = re.compile(f"[{_BEYOND_C0}]")


def visible(value: object, *, lines: bool = False) -> str:
    """``value`` as text with control characters shown as Python escapes (``\\x1b``).

    ``lines=True`` keeps newlines and tabs, for text meant to span lines (an email body).
    """
    unprintable = _UNPRINTABLE_IN_LINES if lines else _UNPRINTABLE
    return unprintable.sub(lambda match: repr(match[0])[1:-1], str(value))


def safe_text(value: object, *, lines: bool = False) -> str:
    """Scraped or foreign text made safe to put in Rich markup, a table cell or a title.

    Pages are hostile: a business name may hold ``[/]`` (Rich raises MarkupError),
    ``[bold]`` (restyles the line), or, via ``&#27;``, a real escape sequence that
    retitles or rewrites the user's terminal. Control characters are shown as
    Python escapes (``\\x1b``) and markup is escaped, so the value prints as it is.
    """
    return escape(visible(value, lines=lines))
