"""`leadq queue`: what is waiting, running and dead, per queue; purging waiting work."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from leadq.core.vocabulary import QUEUES

from . import complete
from .console import out, print_json, print_table
from .runtime import open_redis_broker

app = typer.Typer(help="Inspect and purge queues (needs Redis).", no_args_is_help=True)


def _stats_table(broker) -> Table:
    from leadq.core.queues import live_workers, queue_stats

    workers = live_workers(broker)
    table = Table(title=f"leadq queues - {len(workers)} live worker process(es)")
    for column in ("queue", "ready", "delayed", "in flight", "dead"):
        table.add_column(column, justify="left" if column == "queue" else "right")
    for stats in queue_stats(broker):
        dead = f"[red]{stats.dead}[/]" if stats.dead else "0"
        table.add_row(stats.queue, str(stats.ready), str(stats.delayed), str(stats.in_flight), dead)
    return table


@app.command("stats")
def stats(
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Refresh every second until Ctrl-C.")] = False,
) -> None:
    """Per queue: ready, delayed, in-flight and dead messages, and live workers."""
    from rich.live import Live

    from leadq.core.queues import live_workers, queue_stats

    broker = open_redis_broker()
    if json_:
        print_json(
            {
                "queues": [s.asdict() for s in queue_stats(broker)],
                "workers": live_workers(broker),
            }
        )
        return
    if not watch:
        print_table(_stats_table(broker))
        return
    try:
        with Live(_stats_table(broker), console=out, refresh_per_second=2) as live:
            while True:
                time.sleep(1)
                live.update(_stats_table(broker))
    except KeyboardInterrupt:
        pass


@app.command("purge")
def purge(
    queue: Annotated[
        str | None,
        typer.Argument(help=f"Queue to purge: one of {', '.join(QUEUES)}.", autocompletion=complete.queues),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Purge every queue.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would go.")] = False,
) -> None:
    """Delete waiting (ready and delayed) messages. Running jobs and dead letters are kept."""
    from leadq.core.queues import purge_queue
    from leadq.errors import UsageError

    if (queue is None) == (not all_):
        raise UsageError("name one queue or pass --all, not both")
    if queue is not None and queue not in QUEUES:
        raise UsageError(f"unknown queue {queue!r}; queues are {', '.join(QUEUES)}")
    broker = open_redis_broker()
    targets = QUEUES if all_ else (queue,)
    if dry_run:
        for name in targets:
            out.print(f"{name}: {purge_queue(broker, name, dry_run=True)} message(s) would be purged")
        return
    if not yes and not typer.confirm(f"Purge waiting messages from {', '.join(targets)}?"):
        raise typer.Exit(code=1)
    for name in targets:
        out.print(f"{name}: purged {purge_queue(broker, name)} message(s)")
