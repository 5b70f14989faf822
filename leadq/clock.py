"""The one clock stored timestamps are read from: timezone-aware UTC.

Rows store aware UTC datetimes (``DateTime(timezone=True)``), so every
default, cutoff and comparison takes "now" from here rather than from a
naive ``datetime.utcnow()`` that would compare wrongly with them.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)
