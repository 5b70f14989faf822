"""The campaign file (TOML): parsed and validated into a ``CampaignSpec``.

Example::

    name = "Plumbers SF, spring"
    from = "Ada at Studio <ada@studio.example>"
    reply_to = "ada@studio.example"
    timezone = "America/Los_Angeles"   # when a lead has no timezone of its own
    daily_cap = 100
    window = { start = 9, end = 17 }

    [audience]
    source = "craigslist"
    site = "sfbay"
    category = "plumb"          # substring, case-insensitive
    has_email = true
    min_audit_score = 50        # needs the audit table
    max_performance_score = 60  # needs the audit table
    min_ai_score = 70           # fit score from `leadq ai score`; unscored leads are left out
    not_contacted_days = 90

    [[steps]]
    template = "intro.toml"     # relative to the campaign file
    delay_days = 0

    [[steps]]
    template = "follow-up.toml"
    delay_days = 3              # after the previous step was sent
    writer = "ai"               # body written per lead by the AI engine, checked by the fact guard;
                                # the template's body when the guard rejects it or the engine is "rules"
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from leadq.errors import UserError, ValidationFailed
from leadq.mail.headers import parse_sender
from leadq.mail.templates import TemplateSource, load_template
from leadq.mail.window import zone

#: Bounds on every number of the file. Anything past them is a typo or an attack,
#: and unbounded values used to reach datetime arithmetic in the per-minute step
#: job (``delay_days = inf`` raised OverflowError there on every run).
MAX_DELAY_DAYS = 365
MAX_LOOKBACK_DAYS = 3650
MAX_DAILY_CAP = 1_000_000
MAX_STEPS = 50


class _Strict(BaseModel):
    # allow_inf_nan=False: TOML has inf and nan, and no field of a campaign means them.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Audience(_Strict):
    """Which leads a campaign reaches."""

    source: str | None = None
    site: str | None = None
    category: str | None = None
    has_email: bool = True
    min_audit_score: float | None = Field(None, ge=0, le=100)
    max_performance_score: float | None = Field(None, ge=0, le=100)
    min_ai_score: float | None = Field(None, ge=0, le=100)
    not_contacted_days: int | None = Field(None, ge=0, le=MAX_LOOKBACK_DAYS)

    @field_validator("has_email")
    @classmethod
    def _needs_email(cls, value: bool) -> bool:
        if not value:
            raise ValueError("a campaign can only reach leads that have an email address")
        return value


class Window(_Strict):
    start: int = Field(9, ge=0, le=23)
    end: int = Field(17, ge=1, le=24)

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.start >= self.end:
            raise ValueError("window start must be before end")
        return self


class StepSpec(_Strict):
    template: str
    delay_days: float = Field(0.0, ge=0, le=MAX_DELAY_DAYS)
    #: "ai": the body is the AI engine's fact-checked draft (the subject stays the template's).
    writer: Literal["template", "ai"] = "template"


class CampaignSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    sender: str | None = Field(None, alias="from")
    reply_to: str | None = None
    timezone: str | None = None
    daily_cap: int | None = Field(None, ge=1, le=MAX_DAILY_CAP)
    window: Window = Field(default_factory=Window)
    audience: Audience = Field(default_factory=Audience)
    steps: list[StepSpec] = Field(min_length=1, max_length=MAX_STEPS)

    @field_validator("sender", "reply_to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_sender(value)
            except ValidationFailed as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None and zone(value, "Invalid/Zone").key != value:
            raise ValueError(f"unknown timezone {value!r} (use an IANA name like America/Chicago)")
        return value


def _explain(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "file"
        parts.append(f"{where}: {item['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def load_campaign(path: Path) -> tuple[CampaignSpec, list[TemplateSource], str]:
    """The validated spec, each step's template, and the file's text (kept for `show`)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise UserError(f"campaign file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    try:
        spec = CampaignSpec.model_validate(data)
    except ValidationError as exc:
        raise UserError(f"{path}: {_explain(exc)}") from None
    templates = [load_template(path.parent / step.template) for step in spec.steps]
    return spec, templates, text
