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
    scrape_rate_limit: int = Field(1, description="Requests per host per rate-limit window, across workers.")
    scrape_rate_window: float = Field(1.0, description="Seconds of the per-host rate-limit window.")
    scrape_respect_robots: bool = Field(True, description="Honour robots.txt (--ignore-robots overrides).")
    scrape_max_listings: int = Field(120, description="Default most listings one search scrapes (--max).")
    scrape_max_pages: int = Field(10, description="Most search result pages one search walks.")
    scrape_retention_days: int = Field(30, description="Days scrape runs are kept before clean-up.")
