"""Scrape-domain settings: every source's base URL, politeness and retention.

Each site is its own field so tests and the offline sample site point it at
127.0.0.1 without touching code.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ScrapeSettings(BaseModel):
    """Sources, politeness and retention of scraped data."""

    craigslist_base_url: str | None = Field(
        None,
        description="Base URL for Craigslist; unset means https://<site>.craigslist.org. "
        "Set it to a local server (scripts/sample-site) to scrape offline.",
    )
    yellowpages_base_url: str = Field(
        "https://www.yellowpages.com", description="Base URL for Yellow Pages directory searches."
    )
    google_maps_base_url: str = Field(
        "https://www.google.com/maps",
        description="Base URL for Google Maps (rendered in headless Chromium); tests point it at 127.0.0.1.",
    )
    google_maps_max_scrolls: int = Field(
        40, description="Most times the Google Maps results feed is scrolled to load more places."
    )
    google_maps_scroll_wait: float = Field(
        2.0, description="Seconds to wait for new places after each scroll before calling the feed done."
    )
    browser_page_timeout: float = Field(30.0, description="Seconds a headless Chromium page load may take.")
    browser_element_timeout: float = Field(
        10.0, description="Seconds to wait for a rendered element (results feed, place panel)."
    )
    browser_max_per_process: int = Field(
        2, description="Headless Chromium instances one worker process runs at once (memory bound)."
    )
    scrape_rate_limit: int = Field(1, description="Requests per host per rate-limit window, across workers.")
    scrape_rate_window: float = Field(1.0, description="Seconds of the per-host rate-limit window.")
    scrape_respect_robots: bool = Field(True, description="Honour robots.txt (--ignore-robots overrides).")
    scrape_max_listings: int = Field(120, description="Default most listings one search scrapes (--max).")
    scrape_max_pages: int = Field(10, description="Most search result pages one search walks.")
    scrape_retention_days: int = Field(30, description="Days scrape runs are kept before clean-up.")
    private_origins: list[str] = Field(
        default_factory=list,
        description="Exact origins (scheme://host:port) that may be private addresses, e.g. a demo "
        "server on your LAN; redirects elsewhere keep the full guard. `leadq scrape --sample` sets its own.",
    )
