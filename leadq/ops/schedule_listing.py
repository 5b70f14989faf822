"""One view of every schedule, declared (cron) and user-made, with last and next run."""

from __future__ import annotations

from datetime import UTC, datetime

from leadq.ops.cron import next_fire
from leadq.ops.fire_log import FireLog
from leadq.ops.schedules import CronSchedule, resolve_actor
from leadq.ops.user_schedules import UserSchedule


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC).isoformat()


def schedule_rows(
    declared: tuple[CronSchedule, ...],
    user: list[UserSchedule],
    *,
    fire_log: FireLog | None,
    now: datetime,
) -> list[dict]:
    """Rows for `leadq schedule list`; last runs need Redis (``fire_log``), else they are unknown."""
    rows = []
    for schedule in declared:
        available = resolve_actor(schedule.actor_path) is not None
        last = fire_log.last("cron", schedule.name) if fire_log else None
        upcoming = next_fire(schedule.cron, now) if available else None
        rows.append(
            {
                "kind": "cron",
                "id": schedule.name,
                "cron": schedule.spec,
                "runs": schedule.actor_path,
                "queue": schedule.queue,
                "policy": f"late: {schedule.late}",
                "state": "active" if available else "not available",
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
                "policy": f"grace {schedule.misfire_grace}s" + (", coalesce" if schedule.coalesce else ""),
                "state": "paused" if schedule.paused else "active",
                "last_run": _iso(last.fired_at) if last else None,
                "last_job": None,
                "next_run": schedule.next_run.astimezone(UTC).isoformat() if schedule.next_run else None,
            }
        )
    return rows
