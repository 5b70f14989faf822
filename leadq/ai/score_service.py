"""Score a lead and store the score on it: what the actor and `leadq ai score --inline` run."""

from __future__ import annotations

from sqlmodel import Session, col, select

from leadq.ai.engine import ModelCall
from leadq.ai.prompts import render
from leadq.ai.schemas import ScoreAnswer
from leadq.ai.scoring import LeadFacts, Reason, Score, clamp, rules_score
from leadq.clock import utcnow
from leadq.db import session_scope
from leadq.errors import ValidationFailed
from leadq.leads.models import Lead
from leadq.pagespeed.models import Audit
from leadq.settings import Settings

#: Leads scored per transaction by ``score_many``.
BATCH = 500


def _audit_facts(audit: Audit | None) -> dict | None:
    if audit is None:
        return None
    return {
        "score": audit.score,
        "performance_score": audit.performance_score,
        "strategy": audit.strategy,
        "failed_checks": [check.get("id") for check in audit.checks if not check.get("passed", True)],
    }


def lead_facts(lead: Lead, *, session: Session) -> LeadFacts:
    """The lead's listing and enrichment, and its newest audit (scores and failed checks)."""
    audit = session.exec(
        select(Audit).where(Audit.lead_id == lead.id).order_by(col(Audit.id).desc()).limit(1)
    ).first()
    return facts_of(lead, audit)


def facts_of(lead: Lead, audit: Audit | None) -> LeadFacts:
    return LeadFacts(
        name=lead.name,
        category=lead.category,
        city=lead.city,
        phone=lead.phone,
        email=lead.email,
        email_status=lead.email_status,
        website=lead.website,
        rating=lead.rating,
        review_count=lead.review_count,
        signals=dict(lead.signals or {}),
        audit=_audit_facts(audit),
    )


def score_facts(facts: LeadFacts, call: ModelCall) -> Score:
    """The checklist's score; with a model, plus its summary and its (listed) extra reasons."""
    score = rules_score(facts)
    if not call.uses_model or not facts.known():
        return score
    prompt = render("score", facts=facts.as_dict(), reasons=[r.as_dict() for r in score.reasons])
    answer = call.ask(prompt, ScoreAnswer)
    extra = [Reason(f"model: {item.reason}", item.points) for item in answer.extra_reasons]
    reasons = score.reasons + extra
    return Score(clamp(sum(r.points for r in reasons)), reasons, engine="openai", summary=answer.summary)


def score_lead(lead_id: int, call: ModelCall) -> Score:
    """Score one lead and store score, engine, reasons and summary on it."""
    settings = call.settings
    with session_scope(settings) as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise ValidationFailed(f"lead {lead_id} does not exist")
        facts = lead_facts(lead, session=session)
    # The model call runs outside any transaction: it may take seconds.
    score = score_facts(facts, call)
    with session_scope(settings) as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise ValidationFailed(f"lead {lead_id} was deleted while it was scored")
        _store(lead, score)
        session.add(lead)
    return score


def _store(lead: Lead, score: Score) -> None:
    lead.ai_score, lead.ai_engine, lead.ai_summary = score.score, score.engine, score.summary
    lead.ai_reasons = [reason.as_dict() for reason in score.reasons]
    lead.ai_scored_at = utcnow()


def score_many(lead_ids: list[int], settings: Settings, *, must_exist: bool = False) -> int:
    """Score leads with the rules engine, ``BATCH`` per transaction; returns how many were scored.

    The checklist costs microseconds, so one job per lead would be all overhead: a batch job
    scores them itself when no model is configured. Leads deleted meanwhile are skipped, unless
    ``must_exist`` (ids a person named): then the others are scored and ValidationFailed names them.
    """
    done, missing = 0, []
    for start in range(0, len(lead_ids), BATCH):
        chunk = lead_ids[start : start + BATCH]
        with session_scope(settings) as session:
            leads = session.exec(select(Lead).where(col(Lead.id).in_(chunk))).all()
            newest: dict[int, Audit] = {}
            audits = select(Audit).where(col(Audit.lead_id).in_(chunk)).order_by(col(Audit.id))
            for audit in session.exec(audits):
                newest[audit.lead_id] = audit
            for lead in leads:
                _store(lead, rules_score(facts_of(lead, newest.get(lead.id))))
                session.add(lead)
            done += len(leads)
            missing += sorted(set(chunk) - {lead.id for lead in leads})
    if must_exist and missing:
        raise ValidationFailed(f"lead {', '.join(map(str, missing))} does not exist")
    return done


def leads_to_score(*, session: Session, unscored: bool) -> list[int]:
    """Ids of every lead, or of those never scored, in id order."""
    query = select(Lead.id).order_by(col(Lead.id))
    if unscored:
        query = query.where(col(Lead.ai_score).is_(None))
    return list(session.exec(query).all())
