"""Cron specs: periodiq's language, read with cron's weekday numbering (Sunday = 0).

Actors declare ``periodic=cron("…")`` with periodiq's own ``cron`` (or name a
setting holding a spec, checked here when settings load); user schedules give
a spec on the command line. Either way the spec is read here
into a ``Cron`` with weekdays 0-6 (Sunday = 0, and 7 folded onto it): periodiq
0.14 parses Sunday as 0 but matches weekdays against ``isoweekday()``
(Sunday = 7), so its own scheduler never fires `@weekly`, `... * * 0` or `sun`.
The calendar walk is APScheduler's (:mod:`leadq.ops.cron_trigger`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from periodiq import CronSpec
from periodiq import cron as periodiq_cron

from leadq.errors import UsageError, UserError

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
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: tuple[int, ...]

    @property
    def day_restricted(self) -> bool:
        return len(self.days) < 31

    @property
    def weekday_restricted(self) -> bool:
        return len(self.weekdays) < 7

    @property
    def hour_restricted(self) -> bool:
        return len(self.hours) < 24


@lru_cache(maxsize=256)
def parse_cron(spec: str) -> Cron:
    """Parse a 5-field spec or a periodiq name (@hourly, @daily, @weekly, ...)."""
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
    return from_periodiq(parsed, text)


def from_periodiq(parsed: CronSpec, text: str | None = None) -> Cron:
    """The ``Cron`` of a periodiq ``CronSpec`` (what an actor's ``periodic=`` option holds)."""
    text = text or str(parsed)
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
        days=tuple(parsed.dom),
        months=tuple(parsed.month),
        weekdays=tuple(sorted({d % 7 for d in parsed.dow})),
    )
    if cron.day_restricted and not cron.weekday_restricted and not _some_day_exists(cron):
        raise InvalidCron(f"cron spec {text!r} never fires")
    return cron


def _some_day_exists(cron: Cron) -> bool:
    """Whether a day of month in the spec exists in one of its months (29 February counts)."""
    return any(day <= calendar.monthrange(2000, month)[1] for month in cron.months for day in cron.days)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``, or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(
            f"unknown time zone {name!r} (use an IANA name such as UTC or Europe/Paris)"
        ) from None
