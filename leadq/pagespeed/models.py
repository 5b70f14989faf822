"""Stored audits: one row per audit, many per lead (history), ad-hoc URLs without a lead."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from leadq.clock import utcnow
from leadq.pagespeed.record import AuditRecord


class Audit(SQLModel, table=True):
    """One audit of one URL with one strategy; the scores are columns so lists sort on them."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    url: str = Field(index=True, max_length=2000)
    final_url: str | None = Field(default=None, max_length=2000)
    engine: str = Field(max_length=16)
    strategy: str = Field(max_length=8)
    #: Overall 0-100 (``AuditRecord.overall_score``): what campaign audiences filter on.
    score: int | None = Field(default=None, index=True)
    performance_score: int | None = Field(default=None, index=True)
    fcp_ms: float | None = None
    lcp_ms: float | None = None
    tbt_ms: float | None = None
    cls: float | None = None
    speed_index_ms: float | None = None
    tti_ms: float | None = None
    ttfb_ms: float | None = None
    categories: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    field_data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    opportunities: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    checks: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    estimated: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: The published website report built from this audit (``leadq report audit --publish``):
    #: what outreach templates get as ``{{ audit.report_url }}``.
    report_url: str | None = Field(default=None, max_length=2000)
    #: Set on an audit of a lead's published demo (the report's side-by-side scores): it is
    #: not an audit of the lead's own website, nor of an unrelated URL.
    demo_of_lead_id: int | None = Field(default=None, foreign_key="lead.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=DateTime(timezone=True))

    @classmethod
    def from_record(
        cls, record: AuditRecord, *, lead_id: int | None = None, demo_of_lead_id: int | None = None
    ) -> Audit:
        data = record.to_dict()
        data["field_data"] = data.pop("field")
        audit = cls(lead_id=lead_id, demo_of_lead_id=demo_of_lead_id, score=record.overall_score())
        # setattr, not keywords: the metric "cls" would clash with the classmethod's own `cls`.
        for key, value in data.items():
            setattr(audit, key, value)
        return audit

    def to_record(self) -> AuditRecord:
        values = self.model_dump(
            exclude={"id", "lead_id", "demo_of_lead_id", "created_at", "field_data", "score", "report_url"}
        )
        return AuditRecord.from_dict({**values, "field": self.field_data})
