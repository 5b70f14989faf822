"""Operations settings: scheduler, maintenance, logs and Sentry."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class OpsSettings(BaseModel):
    """Fields for `leadq scheduler`, the maintenance actors, logging and Sentry.

    (Worker recycling and history retention are core settings.)
    """

    schedule_timezone: str = Field(
        "UTC", description="Time zone cron specs are read in (IANA name, e.g. Europe/Paris)."
    )
    schedule_on_time_window: float = Field(
        30.0,
        description="Misfire grace of a declared cron schedule (seconds its tick may start late) unless "
        "its actor sets misfire_grace_time=; a later tick is dropped, and after downtime only the latest "
        "missed tick runs (coalescing). A schedule never fired before looks this far back.",
    )
    schedule_lock_ttl: int = Field(86400, description="Seconds the per-(schedule, tick) Redis lock is kept.")
    user_schedule_misfire_grace: int = Field(
        300, description="Seconds a user schedule may start late before that run is dropped."
    )
    user_schedule_coalesce: bool = Field(
        True, description="Run a user schedule once, not once per missed tick, after downtime."
    )
    stale_job_grace: float = Field(
        60.0, description="Seconds a running job may go without a live worker before cleanup acts."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="json: one JSON object per line with job id, actor, attempt (journald)."
    )
    sentry_environment: str | None = Field(None, description="Sentry environment tag, e.g. production.")
