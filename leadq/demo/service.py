"""Build, publish and unpublish a lead's demo: what the actors and the CLI both run.

A build is idempotent: a lead has one demo, rebuilt in place under the same
token (so a published URL stays the URL), written to a fresh directory that
replaces the old one only when complete.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leadq.ai.engine import ModelCall
from leadq.db import session_scope
from leadq.demo.ai_copy import with_ai_copy
from leadq.demo.content import Business, business_of
from leadq.demo.industry import KEYS, by_key, industry_for
from leadq.demo.models import Demo
from leadq.demo.package import write_manifest, write_zip
from leadq.demo.publish import publish_site, unpublish_site
from leadq.demo.site import Agency, environment, render_page
from leadq.demo.store import demo_for_lead, require_demo, source_extras
from leadq.errors import LeadqError, ValidationFailed
from leadq.leads.models import Lead
from leadq.settings import Settings


@dataclass(frozen=True)
class BuildOptions:
    template: str | None = None
    screenshots: bool = True
    video: bool = False
    publish: bool = False


def work_root(settings: Settings) -> Path:
    return settings.demo_work_dir or settings.data_dir / "demos"


def zip_path(settings: Settings, token: str) -> Path:
    return work_root(settings) / f"{token}.zip"


def beacon_url(settings: Settings, token: str) -> str | None:
    """The view beacon of a demo when the web endpoint's public URL is set."""
    if not settings.demo_beacon_url:
        return None
    return f"{settings.demo_beacon_url.rstrip('/')}/{token}.gif"


def build_demo(
    settings: Settings, lead_id: int, options: BuildOptions | None = None, *, call: ModelCall | None = None
) -> Demo:
    """Render the lead's demo site, take its screenshots, package it (and publish it).

    With ``call`` on the openai engine, the tagline and about copy may come from the model
    (``ai_copy``); without it, or on the rules engine, the template's copy is used.
    """
    options = options or BuildOptions()
    if options.template is not None and options.template not in KEYS and settings.demo_templates is None:
        raise ValidationFailed(f"unknown demo template {options.template!r}; choose one of {', '.join(KEYS)}")
    with session_scope(settings) as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise ValidationFailed(f"lead {lead_id} does not exist")
        extras = source_extras(lead_id, session=session)
        existing = demo_for_lead(lead_id, session=session)
        token = existing.token if existing else secrets.token_hex(16)
        session.expunge(lead)
    industry = industry_for(lead.category) if options.template is None else _industry(options.template)
    template = options.template or industry.key
    # Outside any transaction: a model call may take seconds.
    business = with_ai_copy(business_of(lead, industry, extra=extras), call)
    html = render_page(
        environment(settings.demo_templates),
        template,
        business,
        Agency(settings.demo_agency_name, settings.demo_agency_url),
        beacon_url=beacon_url(settings, token),
    )
    root = work_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{token}.", dir=root))
    try:
        site = staging / "site"
        site.mkdir()
        (site / "index.html").write_text(html, encoding="utf-8")
        extra: dict[str, Any] = {"industry": industry.key, "copy": business.copy_writer}
        if options.screenshots or options.video:
            extra.update(_media(settings, site, lead.website, business, options))
        manifest = write_manifest(staging, lead_id=lead_id, token=token, template=template, extra=extra)
        final = root / token
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    manifest["zip_bytes"] = write_zip(final, zip_path(settings, token))
    with session_scope(settings) as session:
        demo = demo_for_lead(lead_id, session=session) or Demo(lead_id=lead_id, token=token)
        demo.template = template
        demo.work_dir = str(final)
        demo.manifest = manifest
        demo.built_at = datetime.now(UTC)
        session.add(demo)
        session.flush()
        demo_id = demo.id
    if options.publish or (existing is not None and existing.state == "published"):
        return publish_demo(settings, demo_id)  # type: ignore[arg-type]
    return _load(settings, demo_id)  # type: ignore[arg-type]


def publish_demo(settings: Settings, demo_id: int) -> Demo:
    """Copy the demo's site to LEADQ_DEMO_ROOT or the rsync target and record its public URL."""
    with session_scope(settings) as session:
        demo = require_demo(demo_id, session=session)
        token, work_dir = demo.token, Path(demo.work_dir)
    if not (work_dir / "site" / "index.html").is_file():
        raise ValidationFailed(f"demo {demo_id} has no built site at {work_dir}; build it again")
    url = publish_site(settings, work_dir / "site", token)
    with session_scope(settings) as session:
        demo = require_demo(demo_id, session=session)
        demo.state, demo.public_url, demo.published_at = "published", url, datetime.now(UTC)
        session.add(demo)
    return _load(settings, demo_id)


def unpublish_demo(settings: Settings, demo_id: int) -> Demo:
    """Take the demo down from the destination; its local build stays."""
    with session_scope(settings) as session:
        token = require_demo(demo_id, session=session).token
    unpublish_site(settings, token)
    with session_scope(settings) as session:
        demo = require_demo(demo_id, session=session)
        demo.state, demo.public_url, demo.published_at = "built", None, None
        session.add(demo)
    return _load(settings, demo_id)


def _load(settings: Settings, demo_id: int) -> Demo:
    with session_scope(settings) as session:
        demo = require_demo(demo_id, session=session)
        session.expunge(demo)
    return demo


def _industry(template: str):
    try:
        return by_key(template)
    except KeyError:  # the operator's own template: generic copy
        return by_key("generic")


def _media(
    settings: Settings, site: Path, website: str | None, business: Business, options: BuildOptions
) -> dict[str, Any]:
    """Screenshots of the demo and of the lead's current site, and the narrated video, in one browser.

    The current site failing (down, refused by the URL guard) does not fail the
    demo: the manifest says why it has no screenshots.
    """
    from leadq.demo.screenshots import Camera, shoot_current_site

    found: dict[str, Any] = {}
    with Camera(settings) as camera:
        if options.screenshots:
            shots_dir = site / "screenshots"
            shots_dir.mkdir()
            shots: dict[str, Any] = {"demo": camera.shoot((site / "index.html").as_uri(), shots_dir, "demo")}
            if website:
                from leadq.pagespeed.service import normalize_website

                try:
                    shots["current"] = shoot_current_site(camera, normalize_website(website), shots_dir)
                except LeadqError as exc:
                    shots["current_error"] = str(exc)
            found["screenshots"] = {
                kind: {viewport: f"screenshots/{name}" for viewport, name in files.items()}
                if isinstance(files, dict)
                else files
                for kind, files in shots.items()
            }
        if options.video:
            found["video"] = _video(settings, camera, site, business)
    return found


def _video(settings: Settings, camera, site: Path, business: Business) -> dict[str, Any]:
    """The narrated scroll through the demo: ``media/demo.mp4`` and ``media/poster.jpg``."""
    from leadq.demo.video import compose_video
    from leadq.demo.voiceover import speak, voice_script

    media = site / "media"
    media.mkdir()
    with tempfile.TemporaryDirectory(prefix="leadq-demo-video-") as scratch:
        work = Path(scratch)
        seconds = speak(settings, voice_script(business, settings.demo_agency_name), work / "voice.wav")
        frames = camera.scroll_frames(
            (site / "index.html").as_uri(),
            work,
            width=settings.demo_video_width,
            height=settings.demo_video_height,
            count=settings.demo_video_frames,
        )
        video = compose_video(settings, frames, work / "voice.wav", seconds, media / "demo.mp4")
    return {
        "path": "media/demo.mp4",
        "poster": "media/poster.jpg",
        "voice_seconds": round(seconds, 3),
        "bytes": video.bytes,
        "reencoded": video.reencoded,
    }
