"""An APScheduler trigger that reads cron specs the way leadq's cron loop does.

APScheduler 3's ``CronTrigger.from_crontab`` treats weekday 0 as Monday (its
docs admit the mistake; fixed only in 4.x), so ``0 7 * * 1-5`` would run
Tuesday to Saturday. User schedules use this trigger instead: one cron
language for `leadq schedule add` and the declared schedules.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger

from leadq.ops.cron import next_fire, parse_cron, zone


class LeadqCronTrigger(BaseTrigger):
    """Fires on the ticks of a cron spec, in an IANA time zone.

    Pickled into the job store as the spec and zone name only, so stored
    schedules survive changes to the parsed form.
    """

    def __init__(self, spec: str, timezone: str) -> None:
        self.cron = parse_cron(spec)
        self.timezone = timezone
        self.tz = zone(timezone)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        after = previous_fire_time if previous_fire_time is not None else now - timedelta(microseconds=1)
        return next_fire(self.cron, after.astimezone(self.tz))

    def __getstate__(self) -> dict:
        return {"version": 1, "spec": self.cron.spec, "timezone": self.timezone}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["spec"], state["timezone"])

    def __str__(self) -> str:
        return f"cron[{self.cron.spec}]"

    def __repr__(self) -> str:
        return f"<LeadqCronTrigger {self.cron.spec!r} {self.timezone}>"
