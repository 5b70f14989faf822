"""Cron specs: periodiq's parser, with leadq's own (correct) matching and next/previous fire.

periodiq 0.14 parses day-of-week with Sunday = 0 but matches it against
``isoweekday()`` (Sunday = 7), so `@weekly`, `... * * 0` and `sun` never fire;
its ``next_valid_date`` also keeps the minute when it jumps hours or days
(``15,45 3 * * *`` at 10:30 gives 03:45, not 03:15). We keep its parser (named
specs, day names, ranges and steps) and do the calendar walk here, with every
weekday normalised to 0-6 (Sunday = 0, and 7 folded onto it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from periodiq import cron as periodiq_cron

from leadq.errors import UsageError, UserError

#: How far ahead/behind a spec is searched: eight years covers "29 Feb on a Monday".
_SEARCH_DAYS = 8 * 366

_RANGES = {
    "minute": (0, 59),
    "hour": (0, 23),
    "day of month": (1, 31),
    "month": (1, 12),
    "day of week": (0, 7),
}


class InvalidCron(UsageError):
    """A cron spec that cannot be parsed or can never fire."""


@dataclass(frozen=True)
class Cron:
    """A parsed cron spec; weekdays are 0-6 with Sunday = 0."""

    spec: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]

    @property
    def day_restricted(self) -> bool:
        return len(self.days) < 31

    @property
    def weekday_restricted(self) -> bool:
        return len(self.weekdays) < 7

    def day_matches(self, day: date) -> bool:
        """Cron's rule: when both day fields are restricted, either one may match."""
        if day.month not in self.months:
            return False
        in_days = day.day in self.days
        in_weekdays = day.isoweekday() % 7 in self.weekdays
        if self.day_restricted and self.weekday_restricted:
            return in_days or in_weekdays
        return in_days and in_weekdays

    def matches(self, moment: datetime) -> bool:
        """Whether the wall-clock minute of ``moment`` is a tick of this spec."""
        return moment.minute in self.minutes and moment.hour in self.hours and self.day_matches(moment.date())


@lru_cache(maxsize=256)
def parse_cron(spec: str) -> Cron:
    """Parse a 5-field spec or a periodiq name (@hourly, @daily, @weekly, ...).

    Cached: the cron loop reads every spec on every tick.
    """
    text = " ".join(spec.split())
    try:
        parsed = periodiq_cron(text)
    except KeyError:
        raise InvalidCron(
            f"unknown cron name {text!r} (use @hourly, @daily, @weekly, @monthly, @yearly)"
        ) from None
    except (ValueError, IndexError):
        raise InvalidCron(f"invalid cron spec {text!r}: expected 'minute hour day month weekday'") from None
    if not text.startswith("@") and len(text.split()) != 5:
        raise InvalidCron(f"invalid cron spec {text!r}: expected 5 fields, got {len(text.split())}")
    fields = dict(
        zip(_RANGES, (parsed.minute, parsed.hour, parsed.dom, parsed.month, parsed.dow), strict=True)
    )
    for name, values in fields.items():
        low, high = _RANGES[name]
        if not values:
            raise InvalidCron(f"invalid cron spec {text!r}: the {name} field matches nothing")
        if values[0] < low or values[-1] > high:
            raise InvalidCron(f"invalid cron spec {text!r}: {name} must be within {low}-{high}")
    cron = Cron(
        spec=text,
        minutes=tuple(parsed.minute),
        hours=tuple(parsed.hour),
        days=frozenset(parsed.dom),
        months=frozenset(parsed.month),
        weekdays=frozenset(d % 7 for d in parsed.dow),
    )
    if next_fire(cron, datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))) is None:
        raise InvalidCron(f"cron spec {text!r} never fires")
    return cron


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``, or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            f"unknown time zone {name!r} (use an IANA name such as UTC or Europe/Paris)"
        ) from None


def next_fire(cron: Cron, after: datetime) -> datetime | None:
    """The first tick strictly after ``after`` (aware), in ``after``'s time zone."""
    tz = after.tzinfo
    start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    for offset in range(_SEARCH_DAYS):
        day = start.date() + timedelta(days=offset)
        if not cron.day_matches(day):
            continue
        first_day = offset == 0
        for hour in cron.hours:
            if first_day and hour < start.hour:
                continue
            for minute in cron.minutes:
                if first_day and hour == start.hour and minute < start.minute:
                    continue
                return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    return None


def previous_fire(cron: Cron, at: datetime) -> datetime | None:
    """The latest tick at or before ``at`` (aware), in ``at``'s time zone."""
    tz = at.tzinfo
    end = at.replace(second=0, microsecond=0)
    for offset in range(_SEARCH_DAYS):
        day = end.date() - timedelta(days=offset)
        if not cron.day_matches(day):
            continue
        last_day = offset == 0
        for hour in reversed(cron.hours):
            if last_day and hour > end.hour:
                continue
            for minute in reversed(cron.minutes):
                if last_day and hour == end.hour and minute > end.minute:
                    continue
                return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    return None
