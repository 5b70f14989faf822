"""Stored AI work: one row per model call (usage and cost) and one per cached answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

from leadq.clock import utcnow


class AiCall(SQLModel, table=True):
    """One answer a task got: from the model (tokens, cost, latency) or from the cache (free)."""

    __tablename__ = "ai_call"

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(index=True, max_length=32)
    model: str = Field(index=True, max_length=200)
    prompt_version: int
    input_hash: str = Field(max_length=64)
    cached: bool = False
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    job_id: str | None = Field(default=None, index=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=DateTime(timezone=True))


class AiCache(SQLModel, table=True):
    """A validated model answer, reused for the same task, prompt version, model and input."""

    __tablename__ = "ai_cache"
    __table_args__ = (
        UniqueConstraint("task", "prompt_version", "model", "input_hash", name="uq_ai_cache_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(max_length=32)
    prompt_version: int
    model: str = Field(max_length=200)
    input_hash: str = Field(max_length=64)
    output: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class AiResult(SQLModel, table=True):
    """What one job of `ai extract|classify|write|draft-reply` answered, kept for whoever asked.

    Scores live on the lead; these answers belong to no row of their own, and jobs keep no
    results in the broker, so the actor stores them here under its job id (`leadq ai result`).
    """

    __tablename__ = "ai_result"

    job_id: str = Field(primary_key=True, max_length=64)
    task: str = Field(max_length=32)
    output: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True, sa_type=DateTime(timezone=True))
