"""One row per scrape: what was asked and live counters for `--wait` and `leadq scrape` summaries.

Counters are bumped with ``UPDATE ... SET n = n + 1`` by each listing job, so
concurrent workers never lose a count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from leadq.clock import utcnow

#: Counter columns, in the order the progress bar and summary show them.
COUNTERS = ("pages", "listings", "new", "updated", "merged", "unchanged", "skipped", "errors")


class ScrapeRun(SQLModel, table=True):
    """A search scrape and its progress."""

    __tablename__ = "scrape_run"

    id: int | None = Field(default=None, primary_key=True)
    job_id: str | None = Field(default=None, index=True, max_length=64)
    source: str = Field(max_length=50)
    site: str | None = Field(default=None, max_length=100)
    category: str | None = Field(default=None, max_length=100)
    query: str | None = Field(default=None, max_length=500)
    #: How the run's jobs open its source (declarative spec, base URL, robots,
    #: site, pipeline): stored once here, so page and listing jobs carry only the run id.
    options: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    state: str = Field(default="running", max_length=16)  # running | searched | blocked | failed
    message: str | None = Field(default=None, max_length=2000)
    pages: int = 0
    listings: int = 0
    new: int = 0
    updated: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped: int = 0
    #: Listings whose job failed for good (permanent error or retries exhausted).
    errors: int = 0
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=DateTime(timezone=True))
    searched_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
