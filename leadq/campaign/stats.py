"""Campaign numbers: per-step status, the stored metrics snapshot, the daily rollup."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session

from leadq.campaign.models import Campaign, CampaignDaily, CampaignStep, CampaignStepStats
from leadq.inbox.models import INBOUND_KINDS, InboundMessage
from leadq.mail.models import OutboundMessage, Unsubscribe, as_utc

COUNTED_STATES = ("queued", "sending", "sent", "test", "failed", "skipped", "unknown")


def _unsubscribes_by_step(campaign_id: int, *, session: Session) -> dict[int, int]:
    """Each unsubscribe is credited to the last step the lead had been sent before it."""
    unsubscribed = session.execute(
        select(Unsubscribe.lead_id, func.min(Unsubscribe.created_at))
        .where(Unsubscribe.campaign_id == campaign_id)
        .group_by(Unsubscribe.lead_id)
    ).all()
    counts: dict[int, int] = {}
    for lead_id, at in unsubscribed:
        sent = session.execute(
            select(OutboundMessage.step_id, OutboundMessage.sent_at).where(
                OutboundMessage.campaign_id == campaign_id,
                OutboundMessage.lead_id == lead_id,
                OutboundMessage.state == "sent",
            )
        ).all()
        before = [(as_utc(sent_at), step_id) for step_id, sent_at in sent if as_utc(sent_at) <= as_utc(at)]
        if before:
            step_id = max(before)[1]
            counts[step_id] = counts.get(step_id, 0) + 1
    return counts


def _bodies_by_step(campaign_id: int, *, session: Session) -> dict[tuple[int, str], int]:
    """(step id, "ai" | "template") -> messages whose body that writer decided (AI steps only)."""
    return {
        (step_id, writer): n
        for step_id, writer, n in session.execute(
            select(OutboundMessage.step_id, OutboundMessage.body_writer, func.count())
            .where(OutboundMessage.campaign_id == campaign_id, OutboundMessage.body_writer.is_not(None))
            .group_by(OutboundMessage.step_id, OutboundMessage.body_writer)
        )
    }


def step_status(campaign: Campaign, *, session: Session) -> list[dict]:
    """Per step: audience (rows written), queued, sent, test, failed, skipped, unsubscribed, unknown;
    its writer, and for AI steps how many bodies the AI wrote and how many fell back to the template."""
    steps = (
        session.execute(
            select(CampaignStep).where(CampaignStep.campaign_id == campaign.id).order_by(CampaignStep.number)
        )
        .scalars()
        .all()
    )
    counts = {
        (step_id, state): n
        for step_id, state, n in session.execute(
            select(OutboundMessage.step_id, OutboundMessage.state, func.count())
            .where(OutboundMessage.campaign_id == campaign.id)
            .group_by(OutboundMessage.step_id, OutboundMessage.state)
        )
    }
    unsubscribed = _unsubscribes_by_step(campaign.id, session=session)
    bodies = _bodies_by_step(campaign.id, session=session)
    table = []
    for step in steps:
        row = {state: counts.get((step.id, state), 0) for state in COUNTED_STATES}
        # "sending" is a moment, not a result: shown with queued.
        row["queued"] += row.pop("sending")
        table.append(
            {
                "step": step.number,
                "step_id": step.id,
                "template": step.template_name,
                "delay_days": step.delay_days,
                "audience": sum(row.values()),
                **row,
                "unsubscribed": unsubscribed.get(step.id, 0),
                "writer": step.writer,
                "ai_written": bodies.get((step.id, "ai"), 0),
                "template_fallback": bodies.get((step.id, "template"), 0),
            }
        )
    return table


def skip_reasons(campaign: Campaign, *, session: Session) -> dict[str, int]:
    """Why messages were skipped (undeliverable address, suppressed, unsubscribed...), most common first."""
    rows = session.execute(
        select(OutboundMessage.last_error, func.count())
        .where(OutboundMessage.campaign_id == campaign.id, OutboundMessage.state == "skipped")
        .group_by(OutboundMessage.last_error)
        .order_by(func.count().desc(), OutboundMessage.last_error)
    ).all()
    return {reason or "unknown": n for reason, n in rows}


def inbox_counts(campaign: Campaign, *, session: Session) -> dict[str, int]:
    """Leads of the campaign that replied, bounced, complained, auto-replied or asked to unsubscribe
    by mail (leadq.inbox), each lead counted once per kind."""
    rows = session.execute(
        select(InboundMessage.kind, func.count(func.distinct(InboundMessage.lead_id)))
        .where(InboundMessage.campaign_id == campaign.id, InboundMessage.lead_id.is_not(None))
        .group_by(InboundMessage.kind)
    ).all()
    counts = dict.fromkeys(INBOUND_KINDS, 0)
    counts.update((kind, n) for kind, n in rows)
    return counts


def update_metrics(*, now: datetime, session: Session) -> int:
    """Refresh the stored per-step counts of every campaign; returns steps updated."""
    updated = 0
    for campaign in session.execute(select(Campaign)).scalars():
        for row in step_status(campaign, session=session):
            values = {
                key: row[key]
                for key in ("audience", "queued", "sent", "failed", "skipped", "unsubscribed", "unknown")
            }
            stats = session.get(CampaignStepStats, row["step_id"])
            if stats is None:
                stats = CampaignStepStats(step_id=row["step_id"], campaign_id=campaign.id)
            for key, value in values.items():
                setattr(stats, key, value)
            stats.updated_at = now
            session.add(stats)
            updated += 1
    return updated


def daily_rollup(day: datetime, *, session: Session) -> int:
    """Write (or rewrite) each campaign's totals for one UTC day; returns campaigns rolled up."""
    start = as_utc(day).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    label = start.strftime("%Y-%m-%d")
    session.execute(delete(CampaignDaily).where(CampaignDaily.day == label))
    totals: dict[int, dict[str, int]] = {}
    by_state = session.execute(
        select(OutboundMessage.campaign_id, OutboundMessage.state, func.count())
        .where(
            OutboundMessage.updated_at >= start,
            OutboundMessage.updated_at < end,
            OutboundMessage.state.in_(("sent", "failed", "skipped")),
        )
        .group_by(OutboundMessage.campaign_id, OutboundMessage.state)
    )
    for campaign_id, state, n in by_state:
        totals.setdefault(campaign_id, {})[state] = n
    unsubscribes = session.execute(
        select(Unsubscribe.campaign_id, func.count())
        .where(
            Unsubscribe.created_at >= start,
            Unsubscribe.created_at < end,
            Unsubscribe.campaign_id.is_not(None),
        )
        .group_by(Unsubscribe.campaign_id)
    )
    for campaign_id, n in unsubscribes:
        totals.setdefault(campaign_id, {})["unsubscribed"] = n
    for campaign_id, values in totals.items():
        session.add(CampaignDaily(campaign_id=campaign_id, day=label, **values))
    return len(totals)


def due_progress(campaign_id: int, *, now: datetime, session: Session) -> tuple[int, int]:
    """(settled, due): of the campaign's messages due by ``now``, how many reached a final state."""
    rows = session.execute(
        select(OutboundMessage.state, func.count())
        .where(OutboundMessage.campaign_id == campaign_id, OutboundMessage.scheduled_at <= now)
        .group_by(OutboundMessage.state)
    ).all()
    due = sum(n for _, n in rows)
    settled = sum(n for state, n in rows if state not in ("queued", "sending"))
    return settled, due
