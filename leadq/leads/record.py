"""What a source makes of a listing, before it is a lead: the input of the leads store.

A plain dataclass with no database behind it, so a source parser can build
one without loading SQLAlchemy; ``leads.store`` merges it into a ``Lead``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class LeadRecord:
    """What a listing becomes: the input of the leads store."""

    source: str
    external_id: str
    url: str | None = None
    title: str | None = None
    name: str | None = None
    category: str | None = None
    phones: list[str] = field(default_factory=list)  # E.164
    emails: list[str] = field(default_factory=list)
    website: str | None = None
    address: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    rating: float | None = None
    review_count: int | None = None
    site: str | None = None
    #: The full parsed record, kept on the lead's source reference.
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
