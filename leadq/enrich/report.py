"""A crawled site summed up: the merged signals of its pages, and what went wrong where.

``SiteReport.as_signals`` is the JSON stored in ``Lead.signals``; ``best_email``
picks the one address outreach should use.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from leadq.contacts import unique, website_domain
from leadq.enrich.extract import PageSignals

# Local parts a business reads for new enquiries, best first.
ROLE_ADDRESSES = ("info", "contact", "hello", "office", "enquiries", "inquiries", "sales", "mail", "admin")
NO_REPLY = ("noreply", "no-reply", "donotreply", "do-not-reply")


@dataclass
class PageResult:
    """One fetch: where it went and why it failed, if it did."""

    url: str
    final_url: str | None = None
    status: int | None = None
    redirects: list[str] = field(default_factory=list)  # URLs that answered with a redirect
    error: str | None = None


@dataclass
class SiteReport:
    """Everything one crawl of a lead's website found."""

    url: str
    final_url: str | None = None  # where the start page ended up after redirects
    pages: list[PageResult] = field(default_factory=list)
    signals: PageSignals | None = None  # merged over every page read; None if none was

    @property
    def https(self) -> bool:
        return (self.final_url or "").startswith("https://")

    @property
    def reachable(self) -> bool:
        return self.signals is not None

    def add(self, page: PageSignals) -> None:
        """Merge one page's signals into the site's: the first page (home) wins ties."""
        site = self.signals
        if site is None:
            self.signals = PageSignals(**{**asdict(page), "internal_links": []})
            return
        site.emails = unique([*site.emails, *page.emails])
        site.phones = unique([*site.phones, *page.phones])
        site.social = {**page.social, **site.social}
        site.contact_form = site.contact_form or page.contact_form
        site.generator = site.generator or page.generator
        site.cms = site.cms or page.cms
        years = [year for year in (site.copyright_year, page.copyright_year) if year]
        site.copyright_year = max(years, default=None)

    def as_signals(self) -> dict[str, Any]:
        """JSON-ready summary for ``Lead.signals``."""
        signals = asdict(self.signals) if self.signals else {}
        signals.pop("internal_links", None)
        signals.pop("url", None)
        return {
            "url": self.url,
            "final_url": self.final_url,
            "reachable": self.reachable,
            "https": self.https,
            **signals,
            "pages": [asdict(page) for page in self.pages],
            "errors": sum(1 for page in self.pages if page.error),
        }


def best_email(report: SiteReport) -> str | None:
    """The address to write to: on the site's own domain first, then info@/contact@ style."""
    if report.signals is None:
        return None
    domain = website_domain(report.final_url or report.url) or ""
    candidates = [address for address in report.signals.emails if not address.startswith(NO_REPLY)]

    def rank(indexed: tuple[int, str]) -> tuple[bool, int, int]:
        index, address = indexed
        local, _, email_domain = address.rpartition("@")
        own = _same_domain(email_domain, domain)
        role = ROLE_ADDRESSES.index(local) if local in ROLE_ADDRESSES else len(ROLE_ADDRESSES)
        return (not own, role, index)

    ranked = sorted(enumerate(candidates), key=rank)
    return ranked[0][1] if ranked else None


def _same_domain(email_domain: str, site: str) -> bool:
    """info@example.com belongs to shop.example.com and to www.example.com."""
    return email_domain == site or site.endswith("." + email_domain) or email_domain.endswith("." + site)
