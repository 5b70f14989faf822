"""A campaign's analytics from the stored rollups: the funnel, each step, each day, the audience's scores.

Reads what the metrics job stores every five minutes (``CampaignStepStats``)
and the nightly rollup (``CampaignDaily``), never live counts: the report
shows what dashboards show, with the time the numbers were taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import Session, col, select

from leadq.campaign.models import Campaign, CampaignDaily, CampaignStep, CampaignStepStats
from leadq.mail.models import OutboundMessage
from leadq.pagespeed.models import Audit
from leadq.report.audit import Agency
from leadq.report.charts import columns, funnel, histogram
from leadq.report.render import render

#: Funnel stages leadq has no data source for (no open/click tracking, replies or deals are stored).
UNTRACKED_STAGES = ("opened or clicked", "replied", "won")
DAYS_SHOWN = 30


@dataclass
class CampaignReport:
    campaign: Campaign
    stages: list[tuple[str, int]]
    steps: list[dict]
    days: list[dict]
    scores: list[int]
    unscored: int
    counted_at: datetime | None

    @property
    def untracked(self) -> list[str]:
        return list(UNTRACKED_STAGES)

    def funnel_chart(self) -> Markup:
        return funnel(self.stages)

    def score_chart(self) -> Markup:
        return histogram(self.scores)

    def daily_chart(self) -> Markup:
        return columns([(d["day"][5:], d["sent"], "#1a73e8") for d in self.days], label="emails sent per day")

    def to_dict(self) -> dict:
        return {
            "campaign": self.campaign.name,
            "state": self.campaign.state,
            "counted_at": self.counted_at.isoformat() if self.counted_at else None,
            "funnel": [{"stage": stage, "leads": count} for stage, count in self.stages],
            "not_tracked": self.untracked,
            "steps": self.steps,
            "days": self.days,
            "scores": {
                "audited": len(self.scores),
                "not_audited": self.unscored,
                "values": sorted(self.scores),
            },
        }


def campaign_report(campaign: Campaign, *, session: Session) -> CampaignReport:
    steps = session.exec(
        select(CampaignStep, CampaignStepStats)
        .join(CampaignStepStats, col(CampaignStepStats.step_id) == CampaignStep.id, isouter=True)
        .where(CampaignStep.campaign_id == campaign.id)
        .order_by(col(CampaignStep.number))
    ).all()
    rows = [
        {
            "step": step.number,
            "template": step.template_name,
            **{
                key: getattr(stats, key) if stats else 0
                for key in ("audience", "queued", "sent", "failed", "skipped", "unsubscribed")
            },
        }
        for step, stats in steps
    ]
    counted = [stats.updated_at for _, stats in steps if stats is not None]
    stages = []
    if counted and rows:
        first = rows[0]
        stages = [("Audience", first["audience"]), ("Sent the first email", first["sent"])]
    days = session.exec(
        select(CampaignDaily)
        .where(CampaignDaily.campaign_id == campaign.id)
        .order_by(col(CampaignDaily.day).desc())
        .limit(DAYS_SHOWN)
    ).all()
    scores, unscored = _audience_scores(campaign.id, session=session)
    return CampaignReport(
        campaign=campaign,
        stages=stages,
        steps=rows,
        days=[
            {
                "day": d.day,
                "sent": d.sent,
                "failed": d.failed,
                "skipped": d.skipped,
                "unsubscribed": d.unsubscribed,
            }
            for d in reversed(days)
        ],
        scores=scores,
        unscored=unscored,
        counted_at=min(counted) if counted else None,
    )


def _audience_scores(campaign_id: int, *, session: Session) -> tuple[list[int], int]:
    """The newest overall audit score of each lead the campaign wrote to, and how many have none."""
    leads = select(OutboundMessage.lead_id).where(OutboundMessage.campaign_id == campaign_id).distinct()
    newest = (
        select(func.max(Audit.id))
        .where(col(Audit.lead_id).in_(leads))
        .group_by(Audit.lead_id)
        .scalar_subquery()
    )
    scores = list(session.exec(select(Audit.score).where(col(Audit.id).in_(newest))).all())
    total = session.exec(select(func.count()).select_from(leads.subquery())).one()
    audited = [int(score) for score in scores if score is not None]
    return audited, total - len(audited)


def campaign_html(report: CampaignReport, agency: Agency, template_dir: Path | None) -> str:
    return render("campaign.html.j2", template_dir, report=report, agency=agency)
