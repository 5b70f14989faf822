"""Demo actors (queue ``demo``): build a lead's demo site and package, publish it, clean up."""

from __future__ import annotations

from periodiq import cron

from leadq.core.broker import actor, current_runtime
from leadq.demo.cleanup import clean_demos
from leadq.demo.service import BuildOptions, build_demo, publish_demo, unpublish_demo

from .ai import model_call


@actor(queue="demo", max_retries=3, time_limit=300, min_backoff=5, max_backoff=300)
def build_demo_site(
    lead_id: int,
    template: str | None = None,
    screenshots: bool = True,
    publish: bool = False,
    video: bool = False,
) -> None:
    """Render the lead's demo site, screenshot it and the lead's current site, record the
    narrated video when asked, package it, and publish it when asked (or when it was
    published before).

    Idempotent: a lead has one demo, rebuilt in place under the same token.
    """
    options = BuildOptions(template=template, screenshots=screenshots, video=video, publish=publish)
    build_demo(current_runtime().settings, lead_id, options, call=model_call())


@actor(queue="demo", max_retries=3, time_limit=300, min_backoff=5, max_backoff=300)
def publish_demo_site(demo_id: int) -> None:
    """Copy a built demo to LEADQ_DEMO_ROOT or the rsync target. Idempotent: it replaces itself."""
    publish_demo(current_runtime().settings, demo_id)


@actor(queue="demo", max_retries=3, time_limit=120)
def unpublish_demo_site(demo_id: int) -> None:
    """Take a demo down. Idempotent: removing what is gone already is nothing."""
    unpublish_demo(current_runtime().settings, demo_id)


@actor(queue="demo", max_retries=3, time_limit=600, periodic=cron("30 3 * * *"), misfire_grace_time=None)
def cleanup_demos() -> None:
    """Remove unpublished demo builds older than LEADQ_DEMO_KEEP_DAYS, demos of deleted
    leads and of leads that unsubscribed (unpublishing those). Idempotent: what is
    removed is found again only when it exists."""
    clean_demos(current_runtime().settings)
