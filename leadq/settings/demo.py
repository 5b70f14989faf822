"""Demo settings (env LEADQ_DEMO_*): templates, where demos are built and published, media limits."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class DemoSettings(BaseModel):
    """Where demo sites are built and published, the agency shown in their footer, media limits."""

    demo_templates: Path | None = Field(
        None,
        description="Directory of your own demo templates (e.g. trades.html.j2, base.html.j2); "
        "a file there overrides leadq's template of the same name.",
    )
    demo_work_dir: Path | None = Field(
        None, description="Where demos are built (default: demos/ in the data dir)."
    )
    demo_root: Path | None = Field(
        None, description="Directory your web server (nginx) serves demos from; `demo publish` copies there."
    )
    demo_base_url: str | None = Field(
        None,
        description="Public URL of LEADQ_DEMO_ROOT (or of the rsync target), e.g. https://demo.studio.example.",
    )
    demo_rsync_target: str | None = Field(
        None,
        description="rsync destination demos are published to instead of LEADQ_DEMO_ROOT, "
        "e.g. deploy@web1:/srv/demos (needs the rsync program).",
    )
    demo_beacon_url: str | None = Field(
        None,
        description="Public URL of the view beacon under `leadq unsubscribe serve`, e.g. "
        "https://studio.example/demo-view; unset: demos carry no beacon and views are not counted.",
    )
    demo_agency_name: str = Field("Your web studio", description="Agency named in every demo's footer.")
    demo_agency_url: str | None = Field(None, description="Agency website linked from every demo's footer.")
    demo_screenshot_timeout: float = Field(
        90.0,
        description="Seconds a build may use its browser (screenshots, video frames) before it is killed.",
    )
    demo_keep_days: int = Field(
        30, description="The cleanup job removes unpublished demo work directories older than this."
    )
    demo_video_max_mb: float = Field(
        8.0, gt=0, description="Size budget of a demo video; a bigger one is re-encoded to fit."
    )
    demo_video_width: int = Field(1280, ge=320, description="Width of demo videos in pixels (even).")
    demo_video_height: int = Field(720, ge=240, description="Height of demo videos in pixels (even).")
    demo_video_frames: int = Field(
        40, ge=2, description="Screenshots taken while scrolling through a demo for its video."
    )
    demo_voice: str = Field(
        "en-us", description="espeak-ng voice of the demo voiceover (`espeak-ng --voices`)."
    )
    demo_voice_speed: int = Field(155, ge=80, le=450, description="Voiceover speed in words per minute.")
    demo_media_timeout: float = Field(
        180.0, description="Seconds one ffmpeg or espeak-ng run may take before it is killed."
    )
