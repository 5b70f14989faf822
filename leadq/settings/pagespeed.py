"""PageSpeed settings: which engine, the PSI endpoint and key, browser limits, and the audit report."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class PageSpeedSettings(BaseModel):
    """Which engine audits a site, the PSI endpoint and key, and the local browser's limits."""

    pagespeed_engine: Literal["auto", "psi", "local", "lighthouse"] = Field(
        "auto", description="auto: PSI when an API key is set, else the local Chromium engine."
    )
    psi_api_key: str | None = Field(None, description="Google PageSpeed Insights API key.")
    psi_base_url: str = Field(
        "https://www.googleapis.com/pagespeedonline/v5", description="PSI v5 endpoint (tests use 127.0.0.1)."
    )
    psi_categories: list[str] = Field(
        default_factory=lambda: ["performance", "accessibility", "best-practices", "seo"],
        description="Lighthouse categories PSI should run.",
    )
    psi_rate_limit: int = Field(200, description="PSI calls per key per psi_rate_period seconds.")
    psi_rate_period: float = Field(100.0, description="Window of psi_rate_limit, in seconds.")
    psi_timeout: float = Field(
        120.0, description="Seconds to wait for one PSI response (PSI runs Lighthouse)."
    )
    pagespeed_timeout: float = Field(
        60.0, description="Seconds one local audit may take before its browser is killed."
    )
    pagespeed_settle_ms: int = Field(
        1000,
        description="Quiet time after load (no request in flight, no new paint, shift or long task) "
        "before metrics are read; Lighthouse waits 1 s.",
    )
    pagespeed_settle_max_ms: int = Field(5000, description="Longest wait after load for the page to settle.")
    pagespeed_browser_pages: int = Field(50, description="Audits per Chromium before it is restarted.")
    pagespeed_concurrency: int = Field(
        2, description="Chromium instances one worker process may run at once."
    )
    pagespeed_stale_days: int = Field(
        30, description="`audit_pending` re-audits leads whose last audit is older."
    )
    lighthouse_path: str = Field("lighthouse", description="Lighthouse CLI (engine `lighthouse`).")
    pagespeed_screenshot: bool = Field(
        True,
        description="Local engine: keep a small JPEG of the loaded page's first screen (about 20-60 kB "
        "per audit) for `leadq report audit`.",
    )
    agency_name: str = Field("", description="Your agency's name, shown at the top of audit reports.")
    agency_contact: str = Field(
        "", description="How a prospect reaches you (email, phone, website), printed on audit reports."
    )
    agency_logo: Path | None = Field(
        None, description="PNG, JPEG, SVG or WebP logo embedded in audit reports (inlined, never linked)."
    )
    report_template_dir: Path | None = Field(
        None,
        description="Directory of Jinja2 templates overriding leadq's report templates by file name "
        "(audit.html.j2, campaign.html.j2, report.css).",
    )
