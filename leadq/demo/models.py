"""Stored demos: one row per lead's demo (rebuilt in place), and the views its published page got."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from leadq.clock import utcnow


class Demo(SQLModel, table=True):
    """A lead's demo. ``token`` names it in every path and public URL, so the URL of one
    demo tells nobody the lead's id or name, nor how to reach another's."""

    __tablename__ = "demo"

    id: int | None = Field(default=None, primary_key=True)
    #: No foreign key: a deleted lead leaves its demo for the cleanup job to unpublish and remove.
    lead_id: int = Field(index=True)
    token: str = Field(index=True, unique=True, max_length=64)
    template: str = Field(max_length=100)
    #: built | published
    state: str = Field(default="built", max_length=16)
    work_dir: str = Field(max_length=1000)
    #: What the package holds: files with sizes and checksums, screenshots (see ``package``).
    manifest: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    public_url: str | None = Field(default=None, max_length=2000)
    published_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=DateTime(timezone=True))
    built_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class DemoView(SQLModel, table=True):
    """One load of a published demo's beacon: no IP address, only a truncated keyed hash of it."""

    __tablename__ = "demo_view"

    id: int | None = Field(default=None, primary_key=True)
    demo_id: int = Field(foreign_key="demo.id", index=True)
    viewed_at: datetime = Field(default_factory=utcnow, index=True, sa_type=DateTime(timezone=True))
    #: desktop | mobile | bot | other
    agent: str = Field(max_length=16)
    visitor: str = Field(max_length=16)
