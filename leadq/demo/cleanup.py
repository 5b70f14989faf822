"""The periodic clean-up of demos: old unpublished builds, and demos nobody should see any more.

A demo of a lead that was deleted, or whose address unsubscribed, is taken
down and removed whatever its age: the business asked not to hear from us.
An unpublished build older than ``demo_keep_days`` is only disk space.
"""

from __future__ import annotations

import logging
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, delete, select

from leadq.db import session_scope
from leadq.demo.models import Demo, DemoView
from leadq.demo.publish import unpublish_site
from leadq.demo.service import work_root, zip_path
from leadq.errors import LeadqError
from leadq.leads.models import Lead
from leadq.mail.models import Unsubscribe
from leadq.settings import Settings

log = logging.getLogger(__name__)

#: A half-written build directory (``.<token>.*``) this old belongs to a build that died.
STAGING_MAX_AGE_S = 3600


def demos_to_remove(settings: Settings, *, now: datetime) -> list[Demo]:
    """Demos of missing or unsubscribed leads, and unpublished ones built before the cut-off."""
    cutoff = now - timedelta(days=settings.demo_keep_days)
    with session_scope(settings) as session:
        gone = select(Demo).where(
            col(Demo.lead_id).not_in(select(Lead.id))
            | col(Demo.lead_id).in_(select(Unsubscribe.lead_id).where(col(Unsubscribe.lead_id).is_not(None)))
        )
        old = select(Demo).where(Demo.state != "published", col(Demo.built_at) < cutoff)
        found = {demo.id: demo for demo in [*session.exec(gone).all(), *session.exec(old).all()]}
        for demo in found.values():
            session.expunge(demo)
    return list(found.values())


def clean_demos(settings: Settings, *, now: datetime | None = None) -> int:
    """Remove what ``demos_to_remove`` finds (unpublishing first) and dead staging directories."""
    removed = 0
    for demo in demos_to_remove(settings, now=now or datetime.now(UTC)):
        if demo.state == "published":
            try:
                unpublish_site(settings, demo.token)
            except LeadqError as exc:  # kept, and tried again next run
                log.warning("demo %s stays: cannot unpublish it: %s", demo.id, exc)
                continue
        shutil.rmtree(demo.work_dir, ignore_errors=True)
        zip_path(settings, demo.token).unlink(missing_ok=True)
        with session_scope(settings) as session:
            session.exec(delete(DemoView).where(col(DemoView.demo_id) == demo.id))  # type: ignore[call-overload]
            session.exec(delete(Demo).where(col(Demo.id) == demo.id))  # type: ignore[call-overload]
        removed += 1
    _remove_dead_staging(work_root(settings))
    return removed


def _remove_dead_staging(root: Path) -> None:
    if not root.is_dir():
        return
    for path in root.glob(".*"):
        if path.is_dir() and time.time() - path.stat().st_mtime > STAGING_MAX_AGE_S:
            shutil.rmtree(path, ignore_errors=True)
