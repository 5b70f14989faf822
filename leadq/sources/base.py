"""The one interface every source implements, and the records it produces.

A source turns a query into listings (walking result pages) and a listing
into a lead record. Parsing is pure: page text in, dataclasses out, so every
parser is tested on saved pages and the fetching, politeness and storage live
elsewhere (``leadq.scrape``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from leadq.errors import TransientError
from leadq.leads.record import LeadRecord

if TYPE_CHECKING:
    from leadq.sources.fetch import PoliteFetcher

#: How long a source backs off after a block page or captcha, in seconds.
BLOCK_BACKOFF = 900.0


class SourceBlocked(TransientError):
    """The site answered with a block page or a captcha instead of results."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retry_after=BLOCK_BACKOFF)


@dataclass(frozen=True)
class SearchQuery:
    """What to look for: site (e.g. Craigslist's "sfbay"), category and free text."""

    site: str | None = None
    category: str | None = None
    query: str | None = None
    location: str | None = None


@dataclass
class Listing:
    """One result on a search page. Missing values are None, never guessed."""

    source: str
    external_id: str | None
    url: str | None
    title: str | None
    price: float | None = None
    currency: str | None = None
    location: str | None = None
    #: Anything else the result page shows (phone, address, coordinates ...).
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Listing:
        return cls(**data)


@dataclass
class SearchPage:
    """The listings of one result page and where the next page is, if any."""

    listings: list[Listing]
    next_url: str | None = None
    total: int | None = None


def rebase_url(url: str, base_url: str | None) -> str:
    """Map an absolute link onto ``base_url`` (scheme and host), keeping path and query.

    Real pages link to the live site; with a base URL configured (tests, the
    offline sample site) every followed link must stay on that server.
    """
    if not base_url:
        return url
    base = urlsplit(base_url)
    parts = urlsplit(url)
    prefix = base.path.rstrip("/")
    return urlunsplit((base.scheme, base.netloc, prefix + (parts.path or "/"), parts.query, ""))


class Source(ABC):
    """A place leads come from. Subclasses are pure apart from the settings they read."""

    #: Registry name, used on the command line and in ``lead.source``.
    name: str
    #: One line for ``leadq scrape sources``.
    description: str
    #: True when each listing's own page must be fetched to build its lead record.
    fetches_detail: bool = True
    #: The site root the user configured (settings or --base-url); None for the live default.
    base_url: str | None = None

    @abstractmethod
    def search_url(self, query: SearchQuery) -> str:
        """URL of the first result page for ``query``."""

    def fetch_search(self, url: str, fetcher: PoliteFetcher, budget: int) -> str:
        """Text of one result page. A page built by JavaScript overrides this to render
        it in the browser (``fetcher.render``), loading up to ``budget`` results."""
        return fetcher.get_text(url)

    def fetch_detail(self, url: str, fetcher: PoliteFetcher) -> str:
        """Text of a listing's own page (same hook as ``fetch_search``)."""
        return fetcher.get_text(url)

    @abstractmethod
    def parse_search(self, html: str, url: str) -> SearchPage:
        """Listings of one result page (raises ``SourceBlocked`` or ``ParseError``)."""

    def parse_detail(self, html: str, url: str, listing: Listing) -> LeadRecord:
        """Lead record from a listing's own page (sources with ``fetches_detail``)."""
        raise NotImplementedError(f"{self.name} builds records from the result page")

    def record_from_listing(self, listing: Listing) -> LeadRecord:
        """Lead record from the result page alone (sources without ``fetches_detail``)."""
        raise NotImplementedError(f"{self.name} needs each listing's own page")

    def settings_summary(self) -> dict[str, Any]:
        """The settings this source reads, for ``leadq scrape sources``."""
        return {}
