"""A user schedule's request: built from a leadq command line once, enqueued on every tick.

`leadq schedule add -- ARGV` parses ARGV with the real command tree (Click,
exactly as `leadq ARGV` would: an unknown command, a bad option or a missing
argument is refused at once) and stores the typed request it stands for
(``leadq.ops.user_schedules``), built by the function the command itself
uses, never the argv to re-parse later:

- `scrape ...`: the ``ScrapeRequest`` of ``leadq.scrape.request.scrape_request``,
  enqueued with ``enqueue_scrape``;
- `pagespeed run ...`: the ``AuditBatch`` of ``leadq.pagespeed.request.audit_batch``,
  enqueued with ``enqueue_audits``;
- `ai score ...`: the ``ScoreBatch`` of ``leadq.ai.request.score_batch``, sent
  to ``batch_analyze_leads``;
- `campaign pause|resume CAMPAIGN`: the campaign's id; the tick changes its
  state as the command does, and a resume hands its due messages to the workers;
- `schedule run NAME`: the declared schedule's actor, sent as that command sends it.

On each tick APScheduler calls ``fire_user_schedule``, a plain function that
enqueues the stored request: no command is parsed or invoked. Schedules stored
by earlier versions (an argv, or a command's parameters) are rewritten as
typed requests by ``upgrade_stored`` when `leadq scheduler` starts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import typer
from apscheduler.schedulers.base import BaseScheduler
from typer.core import TyperGroup

from leadq.ai.request import score_batch
from leadq.campaign.service import find_campaign, pause_campaign, resume_campaign
from leadq.core.broker import current_runtime
from leadq.core.enqueue import send
from leadq.db import session_scope
from leadq.errors import UserError
from leadq.ops.runtime import setup_broker
from leadq.ops.schedules import find_periodic
from leadq.ops.user_schedules import (
    ActorJob,
    AuditJob,
    CampaignJob,
    ScheduledRequest,
    ScoreJob,
    ScrapeJob,
    UserRequest,
    list_schedules,
    pause_schedule,
    replace_request,
)
from leadq.pagespeed.request import audit_batch
from leadq.scrape.request import scrape_request
from leadq.settings import get_settings

logger = logging.getLogger(__name__)

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
            + ", ".join(f"`leadq {usage}`" for usage, _ in SCHEDULABLE.values())
        )
    return parsed


def _scrape(params: dict[str, Any]) -> ScrapeJob:
    return ScrapeJob(scrape=scrape_request(get_settings(), **params))


def _audits(params: dict[str, Any]) -> AuditJob:
    options = {name: params.get(name) for name in ("urls", "limit", "engine")}
    return AuditJob(
        audits=audit_batch(
            pending=bool(params.get("pending")), strategy=params.get("strategy", "mobile"), **options
        )
    )


def _score(params: dict[str, Any]) -> ScoreJob:
    flags = {name: bool(params.get(name)) for name in ("all_", "unscored", "refresh")}
    return ScoreJob(score=score_batch(lead_ids=params.get("lead_ids"), **flags))


def _campaign(action: str) -> Callable[[dict[str, Any]], CampaignJob]:
    def build(params: dict[str, Any]) -> CampaignJob:
        with session_scope(get_settings()) as session:
            campaign = find_campaign(str(params["ref"]), session=session)
        return CampaignJob(action=action, campaign_id=campaign.id)

    return build


def _actor(params: dict[str, Any]) -> ActorJob:
    name = params["name"]
    settings = get_settings()
    if find_periodic(setup_broker(settings), settings, name) is None:
        raise UserError(f"no declared schedule {name!r} (see `leadq schedule list`)")
    return ActorJob(actor=name)


#: The commands a schedule may run (usage, for the error) and what builds the request each stores.
SCHEDULABLE: dict[tuple[str, ...], tuple[str, Callable[[dict[str, Any]], UserRequest]]] = {
    ("scrape",): ("scrape ...", _scrape),
    ("pagespeed", "run"): ("pagespeed run --pending|URL...", _audits),
    ("ai", "score"): ("ai score --unscored|--all|ID...", _score),
    ("campaign", "pause"): ("campaign pause CAMPAIGN", _campaign("pause")),
    ("campaign", "resume"): ("campaign resume CAMPAIGN", _campaign("resume")),
    ("schedule", "run"): ("schedule run NAME", _actor),
}


def _built(path: list[str], params: dict[str, Any]) -> UserRequest:
    return SCHEDULABLE[tuple(path)][1](params)


def build_request(argv: list[str]) -> UserRequest:
    """The typed request a schedule of `leadq ARGV` stores (checked as the command checks it)."""
    parsed = validate_command(argv)
    return _built(parsed.path, parsed.params)


def _fire_campaign(job: CampaignJob) -> str | None:
    """Pause or resume the campaign; a resume also hands its due messages to the workers."""
    with session_scope(get_settings()) as session:
        campaign = find_campaign(str(job.campaign_id), session=session)
        change = pause_campaign if job.action == "pause" else resume_campaign
        change(campaign, now=datetime.now(UTC), session=session)
    if job.action == "pause":
        return None
    from leadq.actors.campaign import process_due_campaign_steps

    return send(process_due_campaign_steps)


def fire_user_schedule(request: str) -> str | None:
    """Enqueue a user schedule's stored request; returns the job id(s), space-separated.

    APScheduler calls this in the `leadq scheduler` process on each tick (the
    Redis lock per tick is taken before, by ``leadq.ops.tick_executor``). The
    actor modules are imported here: they need the broker installed first.
    """
    job = ScheduledRequest.validate_json(request)
    if isinstance(job, ScrapeJob):
        from leadq.actors.scrape import enqueue_scrape

        return enqueue_scrape(get_settings(), job.scrape)[1]
    if isinstance(job, AuditJob):
        from leadq.actors.pagespeed import enqueue_audits

        return " ".join(enqueue_audits(job.audits))
    if isinstance(job, ScoreJob):
        from leadq.actors.ai import batch_analyze_leads

        return send(batch_analyze_leads, **job.score.model_dump())
    if isinstance(job, CampaignJob):
        return _fire_campaign(job)
    runtime = current_runtime()
    periodic = find_periodic(runtime.broker, runtime.settings, job.actor)
    if periodic is None:
        raise UserError(f"no declared schedule {job.actor!r}")
    return send(periodic.actor)


def _upgraded(argv: list[str], request: str | None) -> UserRequest:
    """The typed request of a schedule stored by an earlier version (an argv or a command's values)."""
    if request is None:
        return build_request(argv)
    stored = json.loads(request)
    path = stored.get("path") if stored.get("kind") == "command" else None
    if path is None or tuple(path) not in SCHEDULABLE:
        raise UserError(f"`leadq {' '.join(argv)}` cannot be scheduled any more")
    return _built(path, stored["params"])


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
