"""A user schedule's request: built from a leadq command line once, run on every tick.

`leadq schedule add -- ARGV` parses ARGV with the real command tree (Click,
exactly as `leadq ARGV` would: an unknown command, a bad option or a missing
argument is refused at once) and stores a typed request as JSON, never the
argv to re-parse later:

- ``scrape``: the ``ScrapeRequest`` that `leadq scrape` itself builds
  (``leadq.scrape.request.scrape_request``), enqueued with ``enqueue_scrape``;
- any other command: its command path and its parameters' converted values,
  invoked with those values (each converted back by the parameter itself).

Schedules stored by earlier versions hold the argv; they are read the same
way when they fire.
"""

from __future__ import annotations

import enum
import json
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import typer
from typer.core import TyperGroup

from leadq.core.broker import current_runtime
from leadq.errors import UserError
from leadq.ops.cron import parse_cron, previous_fire, zone
from leadq.ops.fire_log import FireLog
from leadq.scrape.request import ScrapeRequest, scrape_request
from leadq.settings import get_settings

logger = logging.getLogger(__name__)

#: Commands that run until stopped, or edit the schedules themselves.
_NOT_SCHEDULABLE = {("scheduler",), ("worker",), ("top",), ("schedule",)}
#: Under `schedule`, firing a declared schedule is fine.
_ALLOWED_UNDER_SCHEDULE = {"run"}
#: A schedule enqueues: it must neither run work in the scheduler nor block it.
_FORBIDDEN_FLAGS = {"--inline", "--wait", "--watch", "--help", "--sample"}


def _root_command() -> TyperGroup:
    from leadq.cli.app import app  # the root imports this module's sub-app: import late

    return typer.main.get_command(app)


@dataclass
class ParsedCommand:
    """A command line parsed by Click: the command path and the leaf command's parameter values."""

    path: list[str]
    command: Any  # a Click command (Typer's)
    params: dict[str, Any]


def parse_command(argv: list[str]) -> ParsedCommand:
    """Parse ``argv`` as `leadq ARGV` would, without running anything; one-line ``UserError`` if not."""
    root = _root_command()
    path: list[str] = []
    try:
        context = root.make_context("leadq", list(argv))
        args = [*context._protected_args, *context.args]
        command: Any = root
        while isinstance(command, TyperGroup) and (args or not command.invoke_without_command):
            if not args:
                raise UserError(f"`leadq {' '.join(path)}` needs a subcommand")
            name, command, args = command.resolve_command(context, args)
            path.append(name)
            if isinstance(command, TyperGroup) and not args and not command.invoke_without_command:
                continue  # a group with no arguments would print its help and exit
            context = command.make_context(name, args, parent=context)
            args = [*context._protected_args, *context.args]
    except typer.TyperException as exc:  # Click's usage errors
        raise UserError(f"cannot schedule `leadq {' '.join(argv)}`: {exc.format_message()}") from None
    except (typer.Exit, typer.Abort):  # an eager option such as --version
        raise UserError(f"cannot schedule `leadq {' '.join(argv)}`: it runs no command") from None
    return ParsedCommand(path, command, dict(context.params))


def validate_command(argv: list[str]) -> ParsedCommand:
    """The parsed command when ``argv`` is a command a schedule may run."""
    if not argv:
        raise UserError(
            "give the command to schedule after --, e.g. "
            "`leadq schedule add --cron '0 7 * * *' -- schedule run health_check`"
        )
    flags = _FORBIDDEN_FLAGS.intersection(a.split("=", 1)[0] for a in argv)
    if flags:
        raise UserError(f"a schedule enqueues work: remove {', '.join(sorted(flags))} from the command")
    parsed = parse_command(argv)
    top = tuple(parsed.path[:1])
    if not parsed.path or (
        top in _NOT_SCHEDULABLE
        and not (top == ("schedule",) and parsed.path[1:2] and parsed.path[1] in _ALLOWED_UNDER_SCHEDULE)
    ):
        raise UserError(f"`leadq {' '.join(parsed.path)}` cannot be scheduled: it does not enqueue work")
    return parsed


def build_request(argv: list[str]) -> str:
    """The JSON request a schedule of `leadq ARGV` stores (checked as the command checks it)."""
    parsed = validate_command(argv)
    if parsed.path == ["scrape"]:
        request = scrape_request(get_settings(), **parsed.params)
        return json.dumps({"kind": "scrape", "scrape": request.model_dump()})
    params = {name: _plain(value) for name, value in parsed.params.items()}
    return json.dumps({"kind": "command", "path": parsed.path, "params": params})


def _plain(value: Any) -> Any:
    """A parameter value as JSON (the parameter converts it back when the schedule fires)."""
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def run_request(request_json: str) -> None:
    """Do what the stored request asks: enqueue its scrape, or invoke its command."""
    request = json.loads(request_json)
    if request["kind"] == "scrape":
        from leadq.actors.scrape import enqueue_scrape

        enqueue_scrape(get_settings(), ScrapeRequest.model_validate(request["scrape"]))
        return
    command: Any = _root_command()
    context = typer.Context(command, info_name="leadq")
    for name in request["path"]:
        command = command.get_command(context, name)
        context = typer.Context(command, info_name=name, parent=context)
    with context:
        params = {
            param.name: param.process_value(context, request["params"][param.name])
            for param in command.params
            if param.name in request["params"]
        }
        context.invoke(command.callback, **params)


def fire_user_schedule(
    schedule_id: str, spec: str, timezone: str, request: str | None = None, argv: list[str] | None = None
) -> None:
    """Run a stored request once per tick, even with schedulers on several machines.

    Called by APScheduler in the `leadq scheduler` process (stored as a text
    reference in the job store). The Redis lock per (schedule, tick) is the
    one the cron loop uses. ``argv`` is the form earlier versions stored.
    """
    settings = get_settings()
    fire_log = FireLog(current_runtime().broker.client, settings.namespace)
    tick = previous_fire(parse_cron(spec), datetime.now(zone(timezone))).timestamp()
    if not fire_log.claim("user", schedule_id, tick, ttl=settings.schedule_lock_ttl):
        logger.info("user schedule %s: tick already fired by another scheduler", schedule_id)
        return
    try:
        run_request(request if request is not None else build_request(list(argv or [])))
    except BaseException:
        fire_log.release("user", schedule_id, tick)
        raise
    fire_log.record("user", schedule_id, tick=tick, fired_at=time.time(), job_id=None)
    logger.info("user schedule %s fired", schedule_id)
