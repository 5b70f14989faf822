"""Demo tests: leads to build demos for (the web root they publish to is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from leadq.db import session_scope
from leadq.leads.models import Lead, LeadSource
from leadq.settings import Settings

#: Scraped text at its worst: markup, quotes, a script URL, right-to-left text and emoji.
HOSTILE = (
    '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    '"\'><a href="javascript:window.__pwned=3">x</a> javascript:alert(1) '
    "\u202eevil\u202c مطعم الشام 🍕🔥"
)


@pytest.fixture
def make_lead(settings: Settings) -> Callable[..., int]:
    """``make_lead(name=…, …, extra={…})``: a stored lead (and a source with ``extra``); its id."""

    def make(extra: dict[str, Any] | None = None, **fields: Any) -> int:
        with session_scope(settings) as session:
            lead = Lead(source="test", **fields)
            session.add(lead)
            session.flush()
            if extra:
                session.add(LeadSource(lead_id=lead.id, source="test", external_id=str(lead.id), data=extra))
            return lead.id  # type: ignore[return-value]

    return make


PLUMBER = {
    "name": "Joe's Plumbing",
    "category": "Plumber",
    "phone": "+12175550100",
    "address": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "rating": 4.6,
    "review_count": 31,
}
HOURS = {"opening_hours": {"Monday": "7 AM–6 PM", "Tuesday": "7 AM–6 PM", "Sunday": "Closed"}}
