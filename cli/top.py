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

from .console import out, print_json
from .runtime import open_redis_broker

if TYPE_CHECKING:
    from leadq.ops.top_snapshot import Snapshot


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _clock(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%H:%M:%S")


def render_frame(snapshot: Snapshot) -> Group:
    """One dashboard frame (times in UTC)."""
    from leadq.ops.top_snapshot import WINDOWS

    queues = Table("queue", "ready", "delayed", "in flight", "dead", title="queues", title_justify="left")
    for q in snapshot.queues:
        dead = f"[red]{q.dead}[/]" if q.dead else "0"
        queues.add_row(q.queue, str(q.ready), str(q.delayed), str(q.in_flight), dead)
    actors = Table(
        "actor",
        *(f"/min {w // 60}m" for w in WINDOWS),
        *(f"fail {w // 60}m" for w in WINDOWS),
        "p50 ms",
        "p95 ms",
        title="actors (job history)",
        title_justify="left",
    )
    for a in snapshot.actors:
        actors.add_row(
            a.actor,
            *(f"{a.per_minute(w):.1f}" for w in WINDOWS),
            *(_rate(a.failure_rate(w)) for w in WINDOWS),
            _ms(a.p50_ms),
            _ms(a.p95_ms),
        )
    errors = Table("at", "actor", "job", "state", "error", title="last errors", title_justify="left")
    for e in snapshot.errors:
        errors.add_row(_clock(e.at), e.actor, e.job_id[:12], e.state, Text(e.error[:120]))
    health = snapshot.health
    if health is None:
        health_line = "health: no check yet (the scheduler runs health_check every minute)"
    elif health.ok:
        health_line = f"health: [green]ok[/] at {_clock(health.at)}"
    else:
        health_line = f"health: [red]failing[/] at {_clock(health.at)}: {escape('; '.join(health.errors))}"
    workers = ", ".join(snapshot.workers) if snapshot.workers else "[yellow]none[/]"
    header = f"[bold]leadq top[/]  {_clock(snapshot.at)} UTC   q quits"
    return Group(
        header, queues, f"live workers ({len(snapshot.workers)}): {workers}", health_line, actors, errors
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
        out.print(render_frame(collect_snapshot(broker)))
        return
    with _keys() as read_key, Live(render_frame(collect_snapshot(broker)), console=out, screen=True) as live:
        while True:
            key = read_key(interval)
            if key in ("q", "Q"):
                return
            live.update(render_frame(collect_snapshot(broker)))
