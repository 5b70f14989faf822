"""What each task asks a model to answer, as pydantic models (sent as JSON schema, then validated)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

REPLY_CATEGORIES = ("interested", "question", "not_interested", "unsubscribe", "out_of_office", "bounce")
ReplyCategory = Literal["interested", "question", "not_interested", "unsubscribe", "out_of_office", "bounce"]


class ModelReason(BaseModel):
    reason: str = Field(min_length=3, max_length=200)
    points: int = Field(ge=-20, le=20)


class ScoreAnswer(BaseModel):
    """A written summary and at most three extra reasons, each with its points."""

    summary: str = Field(min_length=10, max_length=800)
    extra_reasons: list[ModelReason] = Field(default_factory=list, max_length=3)


class ExtractAnswer(BaseModel):
    business_name: str | None = Field(None, max_length=300)
    services: list[str] = Field(default_factory=list, max_length=20)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=320)
    website: str | None = Field(None, max_length=2000)
    city: str | None = Field(None, max_length=200)


class ClassifyAnswer(BaseModel):
    category: ReplyCategory
    confidence: float = Field(ge=0, le=1)
    reason: str = Field(max_length=300)


class EmailAnswer(BaseModel):
    subject: str = Field(min_length=3, max_length=150)
    body: str = Field(min_length=20, max_length=4000)


class DemoCopyAnswer(BaseModel):
    """A demo site's tagline, about heading and about text."""

    tagline: str = Field(min_length=3, max_length=200)
    about_title: str = Field(min_length=2, max_length=60)
    about: str = Field(min_length=20, max_length=800)
