"""What `leadq ai score` asks for, as one typed value: the command and a user schedule share it.

``score_batch`` checks the options the way the command does; the command
enqueues the batch at once, a user schedule stores it as JSON and the
scheduler enqueues it on every tick (``batch_analyze_leads`` with its fields).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from leadq.errors import UsageError


class ScoreBatch(BaseModel):
    """Leads to score: the given ids, or every lead (only never-scored ones with ``unscored``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lead_ids: list[int] | None = None
    unscored: bool = False
    #: Ask the model again instead of reusing a cached answer.
    refresh: bool = False


def score_batch(*, lead_ids: list[int] | None, all_: bool, unscored: bool, refresh: bool) -> ScoreBatch:
    """The batch `leadq ai score` enqueues: exactly one of lead ids, ``all_`` or ``unscored``."""
    if sum((bool(lead_ids), all_, unscored)) != 1:
        raise UsageError("give lead ids, --all or --unscored (one of them)")
    return ScoreBatch(lead_ids=list(lead_ids) if lead_ids else None, unscored=unscored, refresh=refresh)
