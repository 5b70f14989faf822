"""Screen an audience's addresses before the campaign mails them.

Each member's address goes through the lead email check (syntax, normalised
form, the domain's mail records; leadq.leads.email_check). A member that fails
stays in the campaign's ledger as a ``skipped`` first-step row whose error is
the reason, so `leadq campaign status` says who was left out and why, and the
lead's email is marked invalid so later audiences leave it out at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import Session

from leadq.leads.email_check import EmailChecker
from leadq.leads.models import Lead


@dataclass
class Screened:
    """Members to mail, as (lead id, normalised address), and members left out with the reason."""

    reachable: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)


def screen_members(members: list[tuple[int, str]], checker: EmailChecker, *, session: Session) -> Screened:
    screened = Screened()
    for lead_id, address in members:
        verdict = checker.check(address)
        if verdict.address:
            screened.reachable.append((lead_id, verdict.address))
        else:
            screened.skipped.append((lead_id, address, verdict.reason or "invalid address"))
    if screened.skipped:
        session.execute(
            update(Lead)
            .where(Lead.id.in_([lead_id for lead_id, _, _ in screened.skipped]))
            .values(email_status="invalid")
        )
    return screened
