"""A user schedule's request: built from a leadq command line once, enqueued on every tick.

`leadq schedule add -- ARGV` parses ARGV with the real command tree (Click,
exactly as `leadq ARGV` would: an unknown command, a bad option or a missing
argument is refused at once) and stores the typed request it stands for
(``leadq.ops.user_schedules``), never the argv to re-parse later:

- `scrape ...`: the ``ScrapeRequest`` that `leadq scrape` itself builds
  (``leadq.scrape.request.scrape_request``), enqueued with ``enqueue_scrape``;
- `schedule run NAME`: the declared schedule's actor, sent as that command sends it.

On each tick APScheduler calls ``fire_user_schedule``, a plain function that
enqueues the stored request: no command is parsed or invoked. Schedules stored
by earlier versions (an argv, or a command's parameters) are rewritten as
typed requests by ``upgrade_stored`` when `leadq scheduler` starts.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import typer
from apscheduler.schedulers.base import BaseScheduler
from typer.core import TyperGroup

from leadq.core.broker import current_broker, setup_broker
from leadq.core.enqueue import send
from leadq.errors import UserError
from leadq.ops.schedules import find_periodic
from leadq.ops.user_schedules import (
    ActorJob,
    ScheduledRequest,
    ScrapeJob,
    list_schedules,
    pause_schedule,
    replace_request,
)
from leadq.scrape.request import scrape_request
from leadq.settings import get_settings

logger = logging.getLogger(__name__)

#: The commands a schedule may run: each is stored as the request it builds.
SCHEDULABLE = {("scrape",), ("schedule", "run")}
#: A schedule enqueues: it must neither run work in the scheduler nor block it.
_FORBIDDEN_FLAGS = {"--inline", "--wait", "--watch", "--help", "--sample"}


def _root_command() -> TyperGroup:
    from leadq.cli.app import app  # the root imports this module's sub-app: import late

    return typer.main.get_command(app)


@dataclass
class ParsedCommand:
    """A command line parsed by Click: the command path and the leaf command's parameter values."""

    path: list[str]
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
    return ParsedCommand(path, dict(context.params))


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
    if tuple(parsed.path) not in SCHEDULABLE:
        raise UserError(
            f"`leadq {' '.join(parsed.path)}` cannot be scheduled: a schedule runs "
            "`leadq scrape ...` or `leadq schedule run NAME`"
        )
    return parsed


def build_request(argv: list[str]) -> ScrapeJob | ActorJob:
    """The typed request a schedule of `leadq ARGV` stores (checked as the command checks it)."""
    parsed = validate_command(argv)
    settings = get_settings()
    if parsed.path == ["scrape"]:
        return ScrapeJob(scrape=scrape_request(settings, **parsed.params))
    return _actor_job(parsed.params["name"])


def _actor_job(name: str) -> ActorJob:
    if find_periodic(setup_broker(get_settings()), name) is None:
        raise UserError(f"no declared schedule {name!r} (see `leadq schedule list`)")
    return ActorJob(actor=name)


def fire_user_schedule(request: str) -> str:
    """Enqueue a user schedule's stored request; returns the job id.

    APScheduler calls this in the `leadq scheduler` process on each tick (the
    Redis lock per tick is taken before, by ``leadq.ops.tick_executor``).
    """
    job = ScheduledRequest.validate_json(request)
    if isinstance(job, ScrapeJob):
        from leadq.actors.scrape import enqueue_scrape  # needs the broker installed first

        return enqueue_scrape(get_settings(), job.scrape)[1]
    periodic = find_periodic(current_broker(), job.actor)
    if periodic is None:
        raise UserError(f"no declared schedule {job.actor!r}")
    return send(periodic.actor)


def _upgraded(argv: list[str], request: str | None) -> ScrapeJob | ActorJob:
    """The typed request of a schedule stored by an earlier version (an argv or a command's values)."""
    if request is None:
        return build_request(argv)
    stored = json.loads(request)
    if stored.get("kind") == "command" and stored.get("path") == ["schedule", "run"]:
        return _actor_job(stored["params"]["name"])
    raise UserError(f"`leadq {' '.join(argv)}` cannot be scheduled any more")


def upgrade_stored(store: BaseScheduler) -> None:
    """Rewrite schedules stored by earlier versions as typed requests; pause any that cannot be."""
    for schedule in list_schedules(store):
        if not schedule.legacy:
            continue
        try:
            replace_request(store, schedule.id, _upgraded(schedule.argv, schedule.request))
        except UserError as exc:
            pause_schedule(store, schedule.id)
            logger.warning("user schedule %s paused: %s; remove it and add it again", schedule.id, exc)
