"""`leadq dead`: jobs that failed for good, to read, requeue or purge."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from . import complete
from .console import fmt_time, out, print_json, print_table, safe_text
from .runtime import open_redis_broker

if TYPE_CHECKING:
    from leadq.core.deadletters import DeadLetter

app = typer.Typer(help="Inspect, requeue and purge dead letters (needs Redis).", no_args_is_help=True)

QueueOption = Annotated[
    str | None, typer.Option("--queue", "-q", help="Only this queue.", autocompletion=complete.queues)
]
DeadId = Annotated[str, typer.Argument(help="Job id (or a unique prefix).", autocompletion=complete.dead_ids)]


def _args(letter: DeadLetter, *, cut: bool) -> str:
    text = ", ".join(
        [json.dumps(a) for a in letter.args] + [f"{k}={json.dumps(v)}" for k, v in letter.kwargs.items()]
    )
    return text if not cut or len(text) <= 60 else text[:57] + "..."


@app.command("list")
def list_(
    queue: QueueOption = None, json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """List dead letters: actor, args, attempts, last error and when it failed."""
    from leadq.core import deadletters
    from leadq.settings import get_settings

    broker = open_redis_broker()
    letters = deadletters.list_dead(broker, get_settings(), queue=queue)
    if json_:
        print_json([d.asdict() for d in letters])
        return
    table = Table(title=f"{len(letters)} dead letter(s)")
    for column in ("job id", "queue", "actor", "args", "attempts", "last error", "failed at"):
        table.add_column(column)
    for d in letters:
        error = f"{d.error_type}: {d.error_message}" if d.error_type else ""
        args = _args(d, cut=out.is_terminal)
        cells = (d.job_id, d.queue, d.actor, args, d.attempts, error, fmt_time(d.failed_at))
        table.add_row(*(safe_text(cell) for cell in cells))
    print_table(table)


@app.command("show")
def show(
    job_id: DeadId,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one dead letter in full."""
    from leadq.core import deadletters
    from leadq.settings import get_settings

    letter = deadletters.find_dead(open_redis_broker(), get_settings(), job_id)
    if json_:
        print_json(letter.asdict())
        return
    for key, value in letter.asdict().items():
        shown = fmt_time(value) if key == "failed_at" else value
        out.print(f"[bold]{key}[/]: {safe_text(shown)}", highlight=False)


@app.command("requeue")
def requeue(
    job_id: Annotated[
        str | None, typer.Argument(help="Job id (or a unique prefix).", autocompletion=complete.dead_ids)
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Requeue every dead letter (of --queue).")] = False,
    queue: QueueOption = None,
) -> None:
    """Send dead jobs again under the same job id, with a fresh retry budget."""
    from leadq.core import deadletters
    from leadq.errors import UsageError
    from leadq.settings import get_settings

    if (job_id is None) == (not all_):
        raise UsageError("give a job id or --all, not both")
    broker = open_redis_broker()
    settings = get_settings()
    if all_:
        letters = deadletters.list_dead(broker, settings, queue=queue)
    else:
        letters = [deadletters.find_dead(broker, settings, job_id)]
    out.print(f"requeued {deadletters.requeue(broker, letters)} job(s)")


@app.command("purge")
def purge(
    queue: QueueOption = None,
    older_than: Annotated[
        str | None, typer.Option("--older-than", help="Only those that died longer ago than this, e.g. 7d.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete dead letters for good (their jobs become `failed` in job history)."""
    from leadq.core import deadletters
    from leadq.durations import parse_duration
    from leadq.settings import get_settings

    age = parse_duration(older_than) if older_than else None
    broker = open_redis_broker()
    letters = deadletters.list_dead(broker, get_settings(), queue=queue, older_than=age)
    if not letters:
        out.print("no dead letters to purge")
        return
    if not yes and not typer.confirm(f"Delete {len(letters)} dead letter(s) for good?"):
        raise typer.Exit(code=1)
    out.print(f"purged {deadletters.purge(broker, letters)} dead letter(s)")
