"""`leadq top`: a live dashboard of queues, workers, actors and errors (works over SSH).

``render_frame`` is a pure function of a snapshot, so a test draws a frame
from real data; the loop only collects, draws, and watches for `q`.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import termios
import time
import tty
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .console import out, print_json, print_whole, visible
from .runtime import open_redis_broker

if TYPE_CHECKING:
    from leadq.ops.top_snapshot import Snapshot


#: Lines a frame leaves out of its height budget: header, health, queue table (6), three
#: blank separators, the actors' header, the errors' title and header, and a spare last line
#: (a full last line makes some terminals scroll).
_FIXED_LINES = 15
#: Sparkline levels, lowest first; a bucket with no job at all is the lowest.
_BLOCKS = "▁▂▃▄▅▆▇█"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _per_minute(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _clock(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%H:%M:%S")


def _table(*columns: str, cut: bool) -> Table:
    """A borderless table: at 80x24 every line counts. ``cut``: shorten cells to the width."""
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    for n, name in enumerate(columns):
        left = n == 0 or name in ("actor", "job", "error")
        table.add_column(
            name,
            justify="left" if left else "right",
            no_wrap=True,
            overflow="ellipsis" if cut else "fold",
            min_width=len(name),
        )
    return table


def _keep_whole(table: Table, column: int, values: list[str]) -> None:
    """Names (actors, ids) are never shortened: the column is at least as wide as the longest."""
    table.columns[column].min_width = max([len(table.columns[column].header), *map(len, values)])


def sparkline(values: list[int], top: int) -> str:
    """One block per value, scaled to ``top`` (shared by every queue, so heights compare)."""
    if top <= 0:
        return _BLOCKS[0] * len(values)
    steps = len(_BLOCKS) - 1
    return "".join(_BLOCKS[0] if v <= 0 else _BLOCKS[max(1, round(steps * v / top))] for v in values)


def _queues(snapshot: Snapshot, cut: bool) -> Table:
    """Queues as columns, counts as rows: seven queues fit 80 columns, and the table is 6 lines."""
    from leadq.ops.top_snapshot import HISTORY_BUCKETS, WINDOWS

    table = _table("queue", *(q.queue for q in snapshot.queues), cut=cut)
    for label, field in (
        ("ready", "ready"),
        ("delayed", "delayed"),
        ("in flight", "in_flight"),
        ("dead", "dead"),
    ):
        cells = [str(getattr(q, field)) for q in snapshot.queues]
        if field == "dead":
            cells = [f"[red]{c}[/]" if c != "0" else c for c in cells]
        table.add_row(label, *cells)
    empty = [0] * HISTORY_BUCKETS
    history = [snapshot.throughput.get(q.queue, empty) for q in snapshot.queues]
    top = max((max(h) for h in history), default=0)
    table.add_row(f"last {max(WINDOWS) // 60}m", *(Text(sparkline(h, top), style="cyan") for h in history))
    return table


def _actors(snapshot: Snapshot, rows: int | None, cut: bool) -> Table:
    from leadq.ops.top_snapshot import WINDOWS

    spans = "/".join(f"{w // 60}m" for w in WINDOWS)
    table = _table("actor", f"per min {spans}", f"failed {spans}", "p50 ms", "p95 ms", cut=cut)
    shown = snapshot.actors if rows is None else snapshot.actors[: max(rows, 0)]
    _keep_whole(table, 0, [visible(a.actor) for a in shown])
    for a in shown:
        table.add_row(
            Text(visible(a.actor)),
            " ".join(_per_minute(a.per_minute(w)) for w in WINDOWS),
            " ".join(_rate(a.failure_rate(w)) for w in WINDOWS),
            _ms(a.p50_ms),
            _ms(a.p95_ms),
        )
    if len(shown) < len(snapshot.actors):
        table.add_row(f"[dim]+{len(snapshot.actors) - len(shown)} more (leadq top --json)[/]")
    return table


def _errors(snapshot: Snapshot, rows: int | None, width: int | None) -> Table:
    cut = width is not None
    table = _table("at", "actor", "job", "error", cut=cut)
    shown = snapshot.errors if rows is None else snapshot.errors[: max(rows, 0)]
    # An id prefix of 8 is enough for `leadq job status`; off a terminal the whole id.
    job_ids = [e.job_id[:8] if cut else e.job_id for e in shown]
    _keep_whole(table, 0, [_clock(e.at) for e in shown])
    _keep_whole(table, 1, [visible(e.actor) for e in shown])
    _keep_whole(table, 2, job_ids)
    if width is not None:
        # The error text alone gives way when the line is short; times, names and ids never.
        used = sum(column.min_width + 2 for column in table.columns[:3])
        table.columns[3].max_width = max(width - used, 10)
    for e, job_id in zip(shown, job_ids, strict=True):
        # Actors and errors come from job history, errors from pages: printed as text, never markup.
        table.add_row(
            _clock(e.at), Text(visible(e.actor)), Text(job_id), Text(visible(f"{e.state} {e.error}"))
        )
    return table


def render_frame(snapshot: Snapshot, *, width: int | None = None, height: int | None = None) -> Group:
    """One dashboard frame (times in UTC), fitted to a ``width`` x ``height`` screen (80x24 and up).

    No size: a frame for a file or pipe, every row and every cell whole.
    """
    cut = height is not None
    error_rows = actor_rows = None
    if height is not None:
        room = max(height - _FIXED_LINES, 2)
        # Errors keep up to half the room (the odd line too): they are why one opens top.
        error_rows = min(len(snapshot.errors), max((room + 1) // 2, 1))
        actor_rows = room - error_rows
        if len(snapshot.actors) > actor_rows:
            actor_rows -= 1  # the "+N more" line
    health = snapshot.health
    if health is None:
        health_line = "health: no check yet (the scheduler runs health_check every minute)"
    elif health.ok:
        health_line = f"health: [green]ok[/] at {_clock(health.at)}"
    else:
        health_line = f"health: [red]failing[/] at {_clock(health.at)}: {escape('; '.join(health.errors))}"
    workers = escape(", ".join(snapshot.workers)) if snapshot.workers else "[yellow]none[/]"
    header = Text.from_markup(
        f"[bold]leadq top[/]  {_clock(snapshot.at)} UTC  q quits  "
        f"live workers ({len(snapshot.workers)}): {workers}",
        overflow="ellipsis",
    )
    header.no_wrap = cut
    return Group(
        header,
        health_line,
        "",
        _queues(snapshot, cut),
        "",
        _actors(snapshot, actor_rows, cut),
        "",
        "[bold]last errors[/]",
        _errors(snapshot, error_rows, width),
    )


@contextlib.contextmanager
def _keys():
    """Yield a function returning a pressed key (or None) within a timeout; cbreak on a TTY."""
    if not sys.stdin.isatty():
        yield lambda timeout: time.sleep(timeout)
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)

    def read(timeout: float) -> str | None:
        ready, _, _ = select.select([fd], [], [], timeout)
        return os.read(fd, 1).decode(errors="ignore") if ready else None

    try:
        yield read
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def top(
    once: Annotated[bool, typer.Option("--once", help="Print one frame and exit.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print one snapshot as JSON and exit.")] = False,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between refreshes.")] = 1.0,
) -> None:
    """Live dashboard: queues, live workers, actor throughput/failures/durations, last errors."""
    from leadq.ops.top_snapshot import collect_snapshot

    broker = open_redis_broker()
    if json_:
        print_json(collect_snapshot(broker).asdict())
        return
    if once:
        snapshot = collect_snapshot(broker)
        if out.is_terminal:
            out.print(render_frame(snapshot, width=out.size.width, height=out.size.height), crop=True)
        else:
            print_whole(render_frame(snapshot))
        return
    first = render_frame(collect_snapshot(broker), width=out.size.width, height=out.size.height)
    with _keys() as read_key, Live(first, console=out, screen=True) as live:
        while True:
            key = read_key(interval)
            if key in ("q", "Q"):
                return
            live.update(render_frame(collect_snapshot(broker), width=out.size.width, height=out.size.height))
