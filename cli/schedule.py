"""`leadq schedule`: the declared cron schedules and user schedules (stored CLI commands)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import redis
import typer
from rich.table import Table

from leadq.core.enqueue import send
from leadq.core.inline import run_until_idle
from leadq.errors import UserError
from leadq.ops import user_schedules
from leadq.ops.fire_log import FireLog
from leadq.ops.runtime import setup_broker
from leadq.ops.schedule_listing import schedule_rows
from leadq.ops.schedules import find_periodic, periodic_actors
from leadq.settings import get_settings

from .console import out, print_json, print_table, safe_text
from .schedule_runner import build_request, fire_user_schedule

app = typer.Typer(help="Cron schedules and user schedules run by `leadq scheduler`.", no_args_is_help=True)

ScheduleId = Annotated[str, typer.Argument(help="The schedule's id (see `leadq schedule list`).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command("add", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def add(
    ctx: typer.Context,
    cron: Annotated[str, typer.Option("--cron", help="Cron spec, e.g. '0 7 * * 1-5' (Sunday = 0 or 7).")],
    misfire_grace: Annotated[
        int | None,
        typer.Option("--misfire-grace", min=1, help="Seconds a run may start late (default: the setting)."),
    ] = None,
    coalesce: Annotated[
        bool | None,
        typer.Option("--coalesce/--no-coalesce", help="After downtime run once, not once per missed tick."),
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Store a command to run on a cron spec: `leadq schedule add --cron "0 7 * * 1-5" -- scrape ...`."""
    settings = get_settings()
    argv = list(ctx.args)
    request = build_request(argv)
    with user_schedules.schedule_store(settings) as store:
        schedule = user_schedules.add_schedule(
            store,
            spec=cron,
            timezone=settings.schedule_timezone,
            argv=argv,
            request=request,
            fire=fire_user_schedule,
            misfire_grace=misfire_grace,
            coalesce=coalesce,
        )
    if json_:
        print_json(
            {
                "id": schedule.id,
                "cron": schedule.spec,
                "command": schedule.command,
                "request": json.loads(schedule.request),
                "next_run": schedule.next_run.isoformat() if schedule.next_run else None,
            }
        )
        return
    out.print(
        f"schedule [bold]{schedule.id}[/]: `{safe_text(schedule.command)}` on '{schedule.spec}' "
        f"({schedule.timezone}), next run {schedule.next_run:%Y-%m-%d %H:%M %Z}",
        highlight=False,
    )


def _fire_log(settings) -> FireLog | None:
    """Last runs live in Redis; without it they are shown as unknown."""
    if not settings.uses_redis:
        return None
    client = redis.Redis.from_url(settings.redis_url)
    client.ping()
    return FireLog(client, settings.namespace)


def _short(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%m-%d %H:%M") if iso else "-"


@app.command("list")
def list_(json_: JsonFlag = False) -> None:
    """Every declared cron schedule and user schedule, with its last and next run."""
    settings = get_settings()
    with user_schedules.schedule_store(settings) as store:
        users = user_schedules.list_schedules(store)
    rows = schedule_rows(
        periodic_actors(setup_broker(settings), settings),
        users,
        fire_log=_fire_log(settings),
        timezone=settings.schedule_timezone,
        on_time_window=settings.schedule_on_time_window,
        now=datetime.now(UTC),
    )
    if json_:
        print_json(rows)
        return
    table = Table(
        "kind", "id", "cron", "runs", "state", "last run (UTC)", "next run (UTC)", title="leadq schedules"
    )
    for row in rows:
        state = row["state"] if row["state"] == "active" else f"[yellow]{row['state']}[/]"
        table.add_row(
            row["kind"],
            row["id"],
            row["cron"],
            safe_text(row["runs"]),
            state,
            _short(row["last_run"]),
            _short(row["next_run"]),
        )
    print_table(table)


def _change(action, schedule_id: str, verb: str) -> None:
    with user_schedules.schedule_store(get_settings()) as store:
        action(store, schedule_id)
    out.print(f"schedule {schedule_id} {verb}")


@app.command("pause")
def pause(schedule_id: ScheduleId) -> None:
    """Stop running a user schedule until `resume`."""
    _change(user_schedules.pause_schedule, schedule_id, "paused")


@app.command("resume")
def resume(schedule_id: ScheduleId) -> None:
    """Run a paused user schedule again from its next tick."""
    _change(user_schedules.resume_schedule, schedule_id, "resumed")


@app.command("remove")
def remove(schedule_id: ScheduleId) -> None:
    """Delete a user schedule."""
    _change(user_schedules.remove_schedule, schedule_id, "removed")


@app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="A declared schedule's name, e.g. health_check.")],
    inline: Annotated[bool, typer.Option("--inline", help="Run it here on the embedded broker.")] = False,
) -> None:
    """Enqueue a declared cron schedule's job now, outside its cron."""
    settings = get_settings()
    broker = setup_broker(settings, inline=inline)
    periodic = find_periodic(broker, settings, name)
    if periodic is None:
        names = ", ".join(p.name for p in periodic_actors(broker, settings))
        raise UserError(f"no declared schedule {name!r}; names: {names}")
    job_id = send(periodic.actor)
    if inline:
        run_until_idle()
    out.print(job_id)
