"""The sending window: outreach goes out during business hours in the lead's timezone.

Pure functions of (now, timezone, hours): a message outside the window is
delayed until the window opens, never dropped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The named zone, or the fallback when the name is missing or unknown (scraped data)."""
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def seconds_until_open(now: datetime, tz: ZoneInfo, start_hour: int, end_hour: int) -> float:
    """0 when ``now`` is inside [start, end) local time, else seconds until the next opening."""
    local = now.astimezone(tz)
    if start_hour <= local.hour < end_hour:
        return 0.0
    opening = local.replace(hour=start_hour, minute=0, second=0, microsecond=0)
    if local.hour >= end_hour:
        opening = (opening + timedelta(days=1)).replace(hour=start_hour)
    # Timestamps, not aware-datetime subtraction: within one tzinfo Python
    # subtracts wall clocks, which is wrong across a DST change.
    return max(opening.timestamp() - now.timestamp(), 1.0)
