"""Checking and running a stored CLI command: what a user schedule fires.

A schedule stores the argv of a leadq command. `leadq schedule add` parses it
against the real command tree (so an unknown command or a bad option is
refused at once), and the scheduler runs it in-process through the same
Typer app, so a schedule enqueues exactly what the command would.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

import typer
from typer.core import TyperGroup

from leadq.core.broker import current_broker
from leadq.errors import UserError
from leadq.ops.cron import parse_cron, previous_fire, zone
from leadq.ops.fire_log import FireLog
from leadq.settings import get_settings

logger = logging.getLogger(__name__)

#: Commands that run until stopped, or edit the schedules themselves.
_NOT_SCHEDULABLE = {("scheduler",), ("worker",), ("top",), ("schedule",)}
#: Under `schedule`, firing a declared schedule is fine.
_ALLOWED_UNDER_SCHEDULE = {"run"}
#: A schedule enqueues: it must neither run work in the scheduler nor block it.
_FORBIDDEN_FLAGS = {"--inline", "--wait", "--watch", "--help"}


def _root_command():
    from leadq.cli.app import app  # the root imports this module's sub-app: import late

    return typer.main.get_command(app)


def validate_command(argv: list[str]) -> list[str]:
    """The command path (e.g. ["scrape"]) when ``argv`` parses as a schedulable command."""
    if not argv:
        raise UserError(
            "give the command to schedule after --, e.g. "
            "`leadq schedule add --cron '0 7 * * *' -- schedule run health_check`"
        )
    flags = _FORBIDDEN_FLAGS.intersection(a.split("=", 1)[0] for a in argv)
    if flags:
        raise UserError(f"a schedule enqueues work: remove {', '.join(sorted(flags))} from the command")
    root = _root_command()
    path: list[str] = []
    try:
        context = root.make_context("leadq", list(argv))
        args = [*context._protected_args, *context.args]
        command = root
        while isinstance(command, TyperGroup):
            if not args:
                raise UserError(f"`leadq {' '.join(path)}` needs a subcommand")
            name, command, args = command.resolve_command(context, args)
            path.append(name)
            if isinstance(command, TyperGroup) and not args:
                continue  # a group with no arguments would print its help and exit
            context = command.make_context(name, args, parent=context)
            args = [*context._protected_args, *context.args]
    except typer.TyperException as exc:
        raise UserError(f"cannot schedule `leadq {' '.join(argv)}`: {exc}") from None
    top = tuple(path[:1])
    if top in _NOT_SCHEDULABLE and not (
        top == ("schedule",) and path[1:2] and path[1] in _ALLOWED_UNDER_SCHEDULE
    ):
        raise UserError(f"`leadq {' '.join(path)}` cannot be scheduled: it does not enqueue work")
    return path


def fire_user_schedule(schedule_id: str, spec: str, timezone: str, argv: list[str]) -> None:
    """Run a stored command once per tick, even with schedulers on several machines.

    Called by APScheduler in the `leadq scheduler` process (stored as a text
    reference in the job store). The Redis lock per (schedule, tick) is the
    one the cron loop uses.
    """
    settings = get_settings()
    fire_log = FireLog(current_broker().client, settings.namespace)
    tick = previous_fire(parse_cron(spec), datetime.now(zone(timezone))).timestamp()
    if not fire_log.claim("user", schedule_id, tick, ttl=settings.schedule_lock_ttl):
        logger.info("user schedule %s: tick already fired by another scheduler", schedule_id)
        return
    try:
        code = _root_command().main(args=list(argv), prog_name="leadq", standalone_mode=False)
    except BaseException:
        fire_log.release("user", schedule_id, tick)
        raise
    if code not in (None, 0):
        fire_log.release("user", schedule_id, tick)
        raise RuntimeError(f"user schedule {schedule_id}: `leadq {' '.join(argv)}` exited with {code}")
    fire_log.record("user", schedule_id, tick=tick, fired_at=time.time(), job_id=None)
    logger.info("user schedule %s fired `leadq %s`", schedule_id, " ".join(argv))
