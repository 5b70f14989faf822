"""The cron schedules leadq declares, and lazy lookup of the actors they run.

An actor path names a domain's actor (``leadq.actors.campaign:process_due_campaign_steps``).
A domain that has not built its actor yet simply has no such module or name:
the schedule is listed as "not available" and never fired (no stand-in job).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Literal

from leadq.ops.cron import Cron, parse_cron

LatePolicy = Literal["skip", "run-once"]


@dataclass(frozen=True)
class CronSchedule:
    """One declared periodic job.

    ``late``: what to do when the scheduler notices a tick only after the
    on-time window (it was down, or busy): ``skip`` drops it and waits for the
    next tick; ``run-once`` fires once for the latest missed tick, however many
    were missed.
    """

    name: str
    spec: str
    actor_path: str
    queue: str
    late: LatePolicy = "skip"

    @property
    def cron(self) -> Cron:
        return parse_cron(self.spec)


DECLARED: tuple[CronSchedule, ...] = (
    CronSchedule("health_check", "* * * * *", "leadq.actors.maintenance:health_check", "maintenance"),
    CronSchedule(
        "cleanup_stale_jobs",
        "*/15 * * * *",
        "leadq.actors.maintenance:cleanup_stale_jobs",
        "maintenance",
        late="run-once",
    ),
    CronSchedule(
        "cleanup_job_history",
        "0 * * * *",
        "leadq.actors.maintenance:cleanup_job_history",
        "maintenance",
        late="run-once",
    ),
    CronSchedule(
        "process_due_campaign_steps",
        "* * * * *",
        "leadq.actors.campaign:process_due_campaign_steps",
        "campaign",
        late="run-once",
    ),
    CronSchedule(
        "update_campaign_metrics", "*/5 * * * *", "leadq.actors.campaign:update_campaign_metrics", "campaign"
    ),
    CronSchedule("monitor_scrape_jobs", "*/10 * * * *", "leadq.actors.scrape:monitor_scrape_jobs", "scrape"),
    CronSchedule(
        "retry_failed_emails",
        "*/15 * * * *",
        "leadq.actors.email:retry_failed_emails",
        "email",
        late="run-once",
    ),
    CronSchedule("poll_inbox", "*/5 * * * *", "leadq.actors.inbox:poll_inbox", "email"),
    CronSchedule(
        "daily_campaign_analytics",
        "0 1 * * *",
        "leadq.actors.campaign:daily_campaign_analytics",
        "campaign",
        late="run-once",
    ),
    CronSchedule(
        "cleanup_scrape_data",
        "0 3 * * *",
        "leadq.actors.scrape:cleanup_scrape_data",
        "scrape",
        late="run-once",
    ),
)


def find_schedule(name: str, schedules: tuple[CronSchedule, ...] = DECLARED) -> CronSchedule | None:
    return next((s for s in schedules if s.name == name), None)


def resolve_actor(path: str) -> Any | None:
    """The object at ``module:name``, or None when that module or name does not exist yet.

    Only the named module being absent counts as "not available": an import
    error inside an existing module is a bug and propagates.
    """
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            return None
        raise
    return getattr(module, attribute, None)
