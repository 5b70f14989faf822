"""APScheduler's cron trigger, built from a cron spec read with cron's weekday numbering.

APScheduler 3's ``CronTrigger.from_crontab`` treats weekday 0 as Monday (its
docs admit the mistake; fixed only in 4.x), so ``0 7 * * 1-5`` would run
Tuesday to Saturday, and it requires both day fields to match where cron
accepts either. ``LeadqCronTrigger`` builds APScheduler's own ``CronTrigger``
from the parsed spec instead (weekdays by name, an ``OrTrigger`` when both day
fields are restricted), so declared and user schedules share one cron
language and APScheduler's calendar.

Daylight saving time, as cron does it: a tick in the hour skipped in spring
fires once, an hour later by the wall clock (APScheduler's rule); in the hour
repeated in autumn a spec with fixed hours fires once, at the first
occurrence, while a spec for every hour fires on every real tick.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from leadq.cron import Cron, parse_cron, zone

_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _field(values: tuple[int, ...]) -> str:
    return ",".join(map(str, values))


def build_trigger(cron: Cron, timezone: str) -> BaseTrigger:
    """APScheduler's trigger for ``cron`` in ``timezone`` (cron's rule for the two day fields)."""
    fields = {
        "minute": _field(cron.minutes),
        "hour": _field(cron.hours),
        "month": _field(cron.months),
        "timezone": zone(timezone),
    }
    days = {"day": _field(cron.days)}
    weekdays = {"day_of_week": ",".join(_WEEKDAYS[d] for d in cron.weekdays)}
    if cron.day_restricted and cron.weekday_restricted:
        # Cron: when both are restricted, a day matching either one fires.
        return OrTrigger([CronTrigger(**fields, **days), CronTrigger(**fields, **weekdays)])
    return CronTrigger(**fields, **days, **weekdays)


def _repeated(moment: datetime) -> bool:
    """Whether ``moment`` is the second occurrence of a wall time repeated when clocks go back."""
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


class LeadqCronTrigger(BaseTrigger):
    """Fires on the ticks of a cron spec, in an IANA time zone.

    Pickled into the job store as the spec and zone name only, so stored
    schedules survive changes to the parsed form (and load from any version).
    """

    def __init__(self, spec: str, timezone: str) -> None:
        self.cron = parse_cron(spec)
        self.timezone = timezone
        self.trigger = build_trigger(self.cron, timezone)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        moment = self.trigger.get_next_fire_time(previous_fire_time, now)
        while moment is not None and self.cron.hour_restricted and _repeated(moment):
            # In UTC: wall-clock arithmetic would drop the fold and step back an hour.
            moment = self.trigger.get_next_fire_time(None, moment.astimezone(UTC) + timedelta(microseconds=1))
        return moment

    def __getstate__(self) -> dict:
        return {"version": 1, "spec": self.cron.spec, "timezone": self.timezone}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["spec"], state["timezone"])

    def __str__(self) -> str:
        return f"cron[{self.cron.spec}]"

    def __repr__(self) -> str:
        return f"<LeadqCronTrigger {self.cron.spec!r} {self.timezone}>"
