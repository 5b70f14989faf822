"""Reading and writing demos and their views. Every function takes a keyword-only session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from leadq.demo.models import Demo, DemoView
from leadq.errors import ValidationFailed
from leadq.leads.models import LeadSource


def demo_for_lead(lead_id: int, *, session: Session) -> Demo | None:
    """The lead's demo, if one was built (a rebuild reuses it, token and all)."""
    query = select(Demo).where(Demo.lead_id == lead_id).order_by(col(Demo.id).desc()).limit(1)
    return session.exec(query).first()


def demo_links(lead_id: int | None, *, session: Session) -> dict[str, str | None]:
    """``demo_url`` and ``demo_screenshot_url`` of the lead's published demo, for outreach templates."""
    demo = demo_for_lead(lead_id, session=session) if lead_id is not None else None
    if demo is None or demo.state != "published" or not demo.public_url:
        return {"demo_url": None, "demo_screenshot_url": None}
    desktop = (demo.manifest.get("screenshots") or {}).get("demo", {}).get("desktop")
    return {
        "demo_url": demo.public_url,
        "demo_screenshot_url": demo.public_url + desktop if desktop else None,
    }


def require_demo(demo_id: int, *, session: Session) -> Demo:
    demo = session.get(Demo, demo_id)
    if demo is None:
        raise ValidationFailed(f"demo {demo_id} does not exist; `leadq demo list` shows them")
    return demo


def demo_by_token(token: str, *, session: Session) -> Demo | None:
    return session.exec(select(Demo).where(Demo.token == token)).first()


def list_demos(*, session: Session, limit: int | None = None) -> list[Demo]:
    """Newest first."""
    query = select(Demo).order_by(col(Demo.id).desc())
    return list(session.exec(query.limit(limit) if limit else query).all())


def source_extras(lead_id: int, *, session: Session) -> dict[str, Any]:
    """What the lead's sources saw beyond its columns (hours, description, services), newest wins."""
    query = select(LeadSource.data).where(LeadSource.lead_id == lead_id).order_by(col(LeadSource.id))
    extras: dict[str, Any] = {}
    for data in session.exec(query).all():
        for key in ("opening_hours", "description", "services"):
            if (data or {}).get(key):
                extras[key] = data[key]
    return extras


def record_view(demo: Demo, *, agent: str, visitor: str, now: datetime, session: Session) -> DemoView:
    view = DemoView(demo_id=demo.id, agent=agent, visitor=visitor, viewed_at=now)
    session.add(view)
    session.flush()
    return view


@dataclass
class ViewStats:
    demo_id: int
    lead_id: int
    public_url: str | None
    views: int
    visitors: int
    first_view: datetime | None
    last_view: datetime | None


def view_stats(*, session: Session) -> list[ViewStats]:
    """Views per demo (bots not counted), with distinct visitors and first and last view."""
    counted = (
        select(
            DemoView.demo_id,
            func.count(DemoView.id),
            func.count(func.distinct(DemoView.visitor)),
            func.min(DemoView.viewed_at),
            func.max(DemoView.viewed_at),
        )
        .where(DemoView.agent != "bot")
        .group_by(DemoView.demo_id)
    )
    by_demo = {row[0]: row[1:] for row in session.exec(counted).all()}
    stats = []
    for demo in list_demos(session=session):
        views, visitors, first, last = by_demo.get(demo.id, (0, 0, None, None))
        stats.append(ViewStats(demo.id, demo.lead_id, demo.public_url, views, visitors, first, last))
    return stats
