"""Yellow Pages directory result pages: name, phone, address, website, categories, rating.

A directory result already carries everything a lead needs, so this source
builds lead records from the result page alone (no detail fetch per listing).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urljoin

from selectolax.lexbor import LexborNode

from leadq.contacts import normalize_phone
from leadq.errors import ParseError, ValidationFailed
from leadq.leads.record import LeadRecord
from leadq.settings import Settings
from leadq.sources.base import Listing, SearchPage, SearchQuery, Source, SourceBlocked, rebase_url
from leadq.sources.html import attr, parse_html, text_of

#: The star widget spells its rating in words: class="result-rating four half".
RATING_WORDS = {"one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0}
COUNT_RE = re.compile(r"(\d{1,9})")
LOCALITY_RE = re.compile(
    r"^(?P<city>[^,]{1,100}),\s{0,3}(?P<region>[A-Z]{2})\s{0,3}(?P<postal>\d{5}(?:-\d{4})?)?$"
)


def rating_from_classes(classes: str | None) -> float | None:
    """4.5 from "result-rating four half"; None when the widget is missing."""
    words = (classes or "").split()
    stars = next((RATING_WORDS[word] for word in words if word in RATING_WORDS), None)
    if stars is None:
        return None
    return stars + 0.5 if "half" in words else stars


class YellowPagesSource(Source):
    name = "yellowpages"
    description = "Yellow Pages directory results (use --site for the location, e.g. 'San Francisco, CA')."
    fetches_detail = False

    def __init__(self, settings: Settings) -> None:
        self.base_url = settings.yellowpages_base_url.rstrip("/")

    def settings_summary(self) -> dict[str, Any]:
        return {"yellowpages_base_url": self.base_url}

    def search_url(self, query: SearchQuery) -> str:
        terms = query.query or query.category
        if not terms:
            raise ValidationFailed("yellowpages needs --query (or --category), e.g. 'landscaping'")
        params = {"search_terms": terms}
        if query.site or query.location:
            params["geo_location_terms"] = query.location or query.site
        return f"{self.base_url}/search?{urlencode(params)}"

    def parse_search(self, html: str, url: str) -> SearchPage:
        tree = parse_html(html)
        body_text = (text_of(tree.body) or "")[:5000].lower()
        if "captcha" in body_text or "access denied" in body_text:
            raise SourceBlocked("yellowpages answered with a captcha or block page; backing off")
        results = tree.css(".search-results.organic .result")
        if not results and tree.css_first(".search-results, .no-results, #no-results-main") is None:
            raise ParseError("not a yellowpages result page (no .search-results)")
        listings = [
            listing for listing in (self._listing(node, url) for node in results) if listing.external_id
        ]
        next_href = attr(tree.css_first(".pagination a.next"), "href")
        next_url = rebase_url(urljoin(url, next_href), self.base_url) if next_href else None
        return SearchPage(listings=listings, next_url=next_url)

    def _listing(self, node: LexborNode, page_url: str) -> Listing:
        link = node.css_first("a.business-name")
        href = attr(link, "href")
        lid = (attr(node, "id") or "").removeprefix("lid-") or attr(node, "data-ypid")
        locality = text_of(node.css_first(".adr .locality"))
        match = LOCALITY_RE.match(locality or "")
        count = COUNT_RE.search(text_of(node.css_first(".ratings .count")) or "")
        website = attr(node.css_first("a.track-visit-website"), "href")
        return Listing(
            source=self.name,
            external_id=lid,
            url=rebase_url(urljoin(page_url, href), self.base_url) if href else None,
            title=text_of(link),
            extra={
                "phone": text_of(node.css_first(".phones")),
                "street_address": text_of(node.css_first(".adr .street-address")),
                "city": match.group("city").strip() if match else None,
                "region": match.group("region") if match else None,
                "postal_code": match.group("postal") if match else None,
                "website": website,
                "categories": [c for c in (text_of(a) for a in node.css(".categories a")) if c],
                "rating": rating_from_classes(attr(node.css_first(".result-rating"), "class")),
                "review_count": int(count.group(1)) if count else None,
            },
        )

    def record_from_listing(self, listing: Listing) -> LeadRecord:
        extra = listing.extra
        phone = normalize_phone(extra.get("phone"))
        categories = extra.get("categories") or []
        return LeadRecord(
            source=self.name,
            external_id=str(listing.external_id),
            url=listing.url,
            title=listing.title,
            name=listing.title,
            category=categories[0] if categories else None,
            phones=[phone] if phone else [],
            website=extra.get("website"),
            address=extra.get("street_address"),
            city=extra.get("city"),
            region=extra.get("region"),
            postal_code=extra.get("postal_code"),
            country="US",
            rating=extra.get("rating"),
            review_count=extra.get("review_count"),
            data=listing.to_dict(),
        )
