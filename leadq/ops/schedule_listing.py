"""One view of every schedule, declared (cron) and user-made, with last and next run."""

from __future__ import annotations

from datetime import UTC, datetime

from leadq.ops.fire_log import FireLog
from leadq.ops.schedules import PeriodicActor
from leadq.ops.user_schedules import UserSchedule


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC).isoformat()


def _grace(seconds: float | None) -> str:
    return "any lateness" if seconds is None else f"grace {seconds:g}s"


def schedule_rows(
    declared: list[PeriodicActor],
    user: list[UserSchedule],
    *,
    fire_log: FireLog | None,
    timezone: str,
    on_time_window: float,
    now: datetime,
) -> list[dict]:
    """Rows for `leadq schedule list`; last runs need Redis (``fire_log``), else they are unknown."""
    rows = []
    for periodic in declared:
        last = fire_log.last("cron", periodic.name) if fire_log else None
        upcoming = periodic.trigger(timezone).get_next_fire_time(None, now)
        rows.append(
            {
                "kind": "cron",
                "id": periodic.name,
                "cron": periodic.cron.spec,
                "runs": periodic.path,
                "queue": periodic.queue,
                "policy": _grace(periodic.grace(on_time_window)) + ", coalesce",
                "state": "active",
                "last_run": _iso(last.fired_at) if last else None,
                "last_job": last.job_id if last else None,
                "next_run": upcoming.astimezone(UTC).isoformat() if upcoming else None,
            }
        )
    for schedule in user:
        last = fire_log.last("user", schedule.id) if fire_log else None
        rows.append(
            {
                "kind": "user",
                "id": schedule.id,
                "cron": schedule.spec,
                "runs": schedule.command,
                "queue": None,
                "policy": _grace(schedule.misfire_grace) + (", coalesce" if schedule.coalesce else ""),
                "state": "paused" if schedule.paused else "active",
                "last_run": _iso(last.fired_at) if last else None,
                "last_job": last.job_id if last else None,
                "next_run": schedule.next_run.astimezone(UTC).isoformat() if schedule.next_run else None,
            }
        )
    return rows
