"""What `leadq scrape` asks for, as one typed value: the command and a user schedule share it.

``scrape_request`` checks the options the way the command does (known
source, a valid source file, a site where the source needs one) and returns a
``ScrapeRequest``; `leadq scrape` enqueues it at once, `leadq schedule add`
stores it as JSON and the scheduler enqueues it on every tick. So a schedule
scrapes exactly what the command would, with nothing re-parsed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from leadq.settings import Settings
from leadq.sources.base import SearchQuery, Source
from leadq.sources.declarative import load_spec_file
from leadq.sources.registry import get_source


class ScrapeRequest(BaseModel):
    """One search scrape: source, what to look for, and how (the job options)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = "craigslist"
    #: A declarative source's TOML file (absolute path), read when the scrape starts.
    source_file: str | None = None
    site: str | None = None
    category: str | None = None
    query: str | None = None
    location: str | None = None
    max_listings: int | None = None
    base_url: str | None = None
    ignore_robots: bool = False
    pipeline: bool = False

    @property
    def search(self) -> SearchQuery:
        return SearchQuery(site=self.site, category=self.category, query=self.query, location=self.location)

    def spec(self) -> dict[str, Any] | None:
        return load_spec_file(Path(self.source_file)) if self.source_file else None

    def open(self, settings: Settings) -> tuple[Source, str, dict[str, Any]]:
        """The source, the first search URL and the job options; raises the command's one-line errors."""
        spec = self.spec()
        source = get_source(self.source, settings, spec, self.base_url)
        url = source.search_url(self.search)
        options = {
            "spec": spec,
            "base_url": self.base_url,
            "ignore_robots": self.ignore_robots,
            "site": self.site,
            "pipeline": self.pipeline,
        }
        return source, url, options


def scrape_request(settings: Settings, **options: Any) -> ScrapeRequest:
    """A checked ``ScrapeRequest`` from `leadq scrape`'s options (the command's parameter names)."""
    source_file = options.get("source_file")
    request = ScrapeRequest(
        **{
            name: options.get(name, field.default)
            for name, field in ScrapeRequest.model_fields.items()
            if name != "source_file"
        },
        source_file=str(Path(source_file).resolve()) if source_file else None,
    )
    request.open(settings)
    return request
