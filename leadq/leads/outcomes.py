"""What came of a lead: the labels the conversion model learns from.

Two kinds, recorded by two hands: a person's answer to a campaign email
(``record_reply``, called by the inbox when it files a human reply) and the
final outcome a salesperson marks (`leadq leads mark ID --won|--lost`).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from leadq.leads.models import Lead

#: What a person's reply said, as the inbox's classifier names it.
REPLY_VERDICTS = ("interested", "question", "not_interested")


def reply_verdict(intent: str | None) -> str | None:
    """A classifier's intent as a verdict: "not-interested" (the inbox's spelling) is
    not_interested; "other" and anything unknown is None."""
    verdict = (intent or "").replace("-", "_")
    return verdict if verdict in REPLY_VERDICTS else None


def record_reply(lead_id: int, intent: str | None, *, at: datetime, session: Session) -> bool:
    """Note that the lead replied at ``at`` and what it said; False when the lead is gone.

    ``replied_at`` keeps the first reply (the inbox files messages as they arrive); the
    verdict is the newest one known, as a question answered may turn into interest (an
    unclassified reply keeps the last verdict).
    """
    verdict = reply_verdict(intent)
    lead = session.get(Lead, lead_id)
    if lead is None:
        return False
    if lead.replied_at is None:
        lead.replied_at = at
    if verdict is not None:
        lead.reply_verdict = verdict
    session.add(lead)
    return True
