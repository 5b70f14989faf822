"""Job history tables: one row per job (its current state) and its event log.

Times are epoch seconds (float): the history writer is on every message's hot
path, and plain numbers compare the same way on SQLite and Postgres.
"""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from leadq.core.vocabulary import FINAL_STATES as FINAL_STATES
from leadq.core.vocabulary import STATES as STATES


class Job(SQLModel, table=True):
    """The latest known state of one job (a Dramatiq message id)."""

    __tablename__ = "job"

    id: str = Field(primary_key=True, max_length=64)
    actor: str = Field(index=True, max_length=128)
    queue: str = Field(index=True, max_length=64)
    args_summary: str = Field(default="", max_length=512)
    state: str = Field(index=True, max_length=16)
    #: Orders events written by different processes: event time in ms * 10 + phase rank.
    seq: int = Field(default=0, sa_type=BigInteger)
    attempt: int = 1
    unique_key: str | None = Field(default=None, max_length=255)
    parent_id: str | None = Field(default=None, index=True, max_length=64)
    enqueued_at: float | None = Field(default=None, index=True)
    started_at: float | None = None
    finished_at: float | None = None
    duration_ms: float | None = None
    error_type: str | None = Field(default=None, max_length=128)
    error_message: str | None = Field(default=None, max_length=2000)
    worker: str | None = Field(default=None, max_length=128)
    updated_at: float = 0.0


class JobEvent(SQLModel, table=True):
    """One step of a job's life, appended and never updated."""

    __tablename__ = "job_event"

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(index=True, max_length=64)
    state: str = Field(max_length=16)
    attempt: int = 1
    at: float
    error_type: str | None = Field(default=None, max_length=128)
    error_message: str | None = Field(default=None, max_length=2000)
