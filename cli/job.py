"""`leadq job`: job history, waiting for a job, cancelling one."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from leadq.core.vocabulary import STATES

from . import complete
from .console import fmt_time, out, print_json, print_table, safe_text, styled_state
from .runtime import open_redis_broker

if TYPE_CHECKING:
    from leadq.core.models import Job

app = typer.Typer(help="Job history: list, status, wait, cancel.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
JobId = Annotated[
    str, typer.Argument(help="Job id (or a unique prefix of 6+ characters).", autocompletion=complete.job_ids)
]


def _job_dict(job: Job) -> dict:
    return job.model_dump()


@app.command("list")
def list_(
    state: Annotated[
        str | None,
        typer.Option(
            "--state", "-s", help=f"One of: {', '.join(STATES)}.", autocompletion=complete.job_states
        ),
    ] = None,
    actor: Annotated[str | None, typer.Option("--actor", "-a", help="Actor name.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Enqueued within, e.g. 1h, 2d.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many.")] = 50,
    json_: JsonOption = False,
) -> None:
    """List jobs, newest first."""
    from leadq.core.jobs import count_jobs, list_jobs
    from leadq.durations import parse_duration
    from leadq.settings import get_settings

    settings = get_settings()
    after = time.time() - parse_duration(since) if since else None
    jobs = list_jobs(settings, state=state, actor=actor, since=after, limit=limit)
    if json_:
        print_json([_job_dict(j) for j in jobs])
        return
    total = count_jobs(settings, state=state, actor=actor, since=after) if len(jobs) == limit else len(jobs)
    table = Table(title=f"{len(jobs)} job(s)" if total == len(jobs) else f"{len(jobs)} of {total} job(s)")
    for column in ("id", "actor", "queue", "state", "attempt", "enqueued", "duration", "error"):
        table.add_column(column)
    for j in jobs:
        duration = f"{j.duration_ms:.0f} ms" if j.duration_ms is not None else ""
        error = f"{j.error_type}: {j.error_message}" if j.error_type else ""
        table.add_row(
            safe_text(j.id),
            safe_text(j.actor),
            safe_text(j.queue),
            styled_state(j.state),
            str(j.attempt),
            fmt_time(j.enqueued_at),
            duration,
            safe_text(error),
        )
    print_table(table, shown=len(jobs), total=total)


@app.command("status")
def status(job_id: JobId, json_: JsonOption = False) -> None:
    """Show a job's state and its history, event by event."""
    from leadq.core.jobs import job_events, require_job
    from leadq.settings import get_settings

    settings = get_settings()
    job = require_job(settings, job_id)
    events = job_events(settings, job.id)
    if json_:
        print_json({**_job_dict(job), "events": [e.model_dump(exclude={"id", "job_id"}) for e in events]})
        return
    call = safe_text(f"{job.actor}({job.args_summary}) on {job.queue}")
    out.print(f"[bold]{safe_text(job.id)}[/] {call}: {styled_state(job.state)}")
    if job.error_type:
        out.print(f"last error: {safe_text(f'{job.error_type}: {job.error_message}')}", highlight=False)
    table = Table("at", "state", "attempt", "error")
    for e in events:
        error = f"{e.error_type}: {e.error_message}" if e.error_type else ""
        table.add_row(fmt_time(e.at), styled_state(e.state), str(e.attempt), safe_text(error))
    print_table(table)


@app.command("wait")
def wait(
    job_id: JobId,
    timeout: Annotated[str | None, typer.Option("--timeout", help="Give up after, e.g. 10m.")] = None,
) -> None:
    """Wait for a job and the jobs it started. Exit 0 when it succeeded, 1 otherwise."""
    from leadq.durations import parse_duration
    from leadq.settings import get_settings

    from .progress import wait_with_progress

    job = wait_with_progress(get_settings(), job_id, timeout=parse_duration(timeout) if timeout else None)
    out.print(f"job {job.id}: {styled_state(job.state)}")
    raise typer.Exit(code=0 if job.state == "succeeded" else 1)


@app.command("cancel")
def cancel(job_id: JobId) -> None:
    """Cancel a job: removed if still queued, else stopped at its next checkpoint (needs Redis:
    embedded jobs live inside the command that started them; stop it with Ctrl-C)."""
    from leadq.core.jobs import cancel_job, require_job
    from leadq.settings import get_settings

    settings = get_settings()
    outcome = cancel_job(open_redis_broker(settings), settings, job_id)
    out.print(f"job {require_job(settings, job_id).id}: {outcome}")
