"""Shared terminal output: Rich consoles, one-line errors, JSON printing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NoReturn

import typer
from rich.console import Console

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


def visible(text: str) -> str:
    """``text`` with every non-printable character as its Python escape (``\\x1b``, ``\\n``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping."""
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


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
