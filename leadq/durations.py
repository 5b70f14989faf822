"""Human durations for command options: `90s`, `15m`, `1h`, `7d`, `2w`."""

from __future__ import annotations

import re

from leadq.errors import UsageError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")


def parse_duration(text: str) -> float:
    """Seconds in ``text``; a bare number is seconds. Raises UsageError when unreadable."""
    value = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return float(value)
    match = _DURATION.fullmatch(value)
    if not match:
        raise UsageError(f"cannot read duration {text!r}: use a number and a unit, e.g. 90s, 15m, 1h, 7d, 2w")
    return float(match.group(1)) * _UNITS[match.group(2)]
