"""Craigslist: search result pages (both layouts) and posting pages.

Craigslist serves a plain HTTP client the no-JS static list
(``li.cl-static-search-result``) and a browser the rendered cards
(``li.cl-search-result[data-pid]``); both carry a JSON-LD ItemList with
coordinates and the price currency. Links in real pages are absolute; with
``craigslist_base_url`` set they are mapped onto it so tests and the offline
sample site never leave 127.0.0.1.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from leadq.contacts import find_emails, find_phones, find_urls
from leadq.errors import ParseError, ValidationFailed
from leadq.leads.record import LeadRecord
from leadq.settings import Settings
from leadq.settings.enrich import DEFAULT_PHONE_REGION
from leadq.sources.base import Listing, SearchPage, SearchQuery, Source, SourceBlocked, rebase_url
from leadq.sources.html import attr, json_ld, multiline_text, parse_html, text_of, to_float
from leadq.sources.text import clean, parse_price

PID_RE = re.compile(r"/(\d{5,20})\.html")
POST_ID_RE = re.compile(r"post id:\s{0,5}(\d{5,20})")
TOTAL_RE = re.compile(r"of\s{0,3}>?\s{0,3}([\d,]{1,12})")
SITE_RE = re.compile(r"^[a-z0-9-]{1,40}$")
BLOCK_MARKERS = ("this ip has been automatically blocked", "your ip has been blocked")
CAPTCHA_SELECTORS = ".h-captcha, .g-recaptcha, iframe[src*='captcha'], #captcha, form[action*='captcha']"


@dataclass
class Posting:
    """One Craigslist posting. Field names are the `leadq scrape parse --json` contract."""

    source: str
    external_id: str
    url: str | None
    title: str | None
    price: float | None
    currency: str | None
    location: str | None
    latitude: float | None
    longitude: float | None
    posted_at: str | None
    updated_at: str | None
    body: str | None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    category: str | None = None
    business_name: str | None = None
    website: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_blocked(tree: LexborHTMLParser) -> None:
    """Raise ``SourceBlocked`` on Craigslist's block page or a captcha, never "0 results"."""
    body = tree.body
    text = (body.text(deep=True) if body is not None else "")[:20_000].lower()
    if any(marker in text for marker in BLOCK_MARKERS):
        raise SourceBlocked("craigslist blocked this IP (block page); backing off")
    if tree.css_first(CAPTCHA_SELECTORS) is not None:
        raise SourceBlocked("craigslist answered with a captcha; backing off")


def iso_datetime(value: str | None) -> str | None:
    """ISO 8601 with a colon offset from Craigslist's ``2023-11-29T20:23:46-0500``."""
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M:%S%z").isoformat()
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed.isoformat() if parsed.tzinfo else None


def pid_from_url(url: str | None) -> str | None:
    match = PID_RE.search(url or "")
    return match.group(1) if match else None


def _offer(item: dict[str, Any]) -> dict[str, Any]:
    offers = item.get("offers")
    return offers if isinstance(offers, dict) else {}


def _place(item: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    place = _offer(item).get("availableAtOrFrom")
    if not isinstance(place, dict):
        return {}, {}
    geo = place.get("geo") if isinstance(place.get("geo"), dict) else {}
    address = place.get("address") if isinstance(place.get("address"), dict) else {}
    return geo, address


def _blank(value: Any) -> str | None:
    return clean(value) if isinstance(value, str) else None


def _itemlist(tree: LexborHTMLParser) -> list[dict[str, Any]]:
    """Items of the search page's JSON-LD ItemList (script#ld_searchpage_results)."""
    items = []
    for block in json_ld(tree, "script#ld_searchpage_results"):
        elements = block.get("itemListElement") if isinstance(block, dict) else None
        for element in elements if isinstance(elements, list) else []:
            item = element.get("item") if isinstance(element, dict) else None
            if isinstance(item, dict):
                items.append(item)
    return items


class CraigslistSource(Source):
    name = "craigslist"
    description = "Craigslist search results and postings (static and browser layouts)."

    def __init__(self, settings: Settings) -> None:
        self.base_url = settings.craigslist_base_url

    def settings_summary(self) -> dict[str, Any]:
        return {"craigslist_base_url": self.base_url or "https://<site>.craigslist.org"}

    def search_url(self, query: SearchQuery) -> str:
        if self.base_url:
            root = self.base_url.rstrip("/")
        else:
            if not query.site or not SITE_RE.match(query.site):
                raise ValidationFailed("craigslist needs --site, e.g. sfbay or boston")
            root = f"https://{query.site}.craigslist.org"
        params = {"query": query.query} if query.query else {}
        suffix = f"?{urlencode(params)}" if params else ""
        return f"{root}/search/{query.category or 'sss'}{suffix}"

    # -- search pages ---------------------------------------------------------------

    def parse_search(self, html: str, url: str) -> SearchPage:
        tree = parse_html(html)
        check_blocked(tree)
        static = tree.css("li.cl-static-search-result")
        cards = tree.css("li.cl-search-result[data-pid]")
        items = _itemlist(tree)
        if not static and not cards and not self._is_search_page(tree):
            raise ParseError("not a craigslist search page (no results list, no JSON-LD ItemList)")
        listings = [self._static_listing(node) for node in static] + [self._card(node) for node in cards]
        listings = [listing for listing in listings if listing.external_id]
        self._merge_itemlist(listings, items)
        total = self._total(tree)
        return SearchPage(listings=listings, next_url=self._next_url(url, len(listings), total), total=total)

    @staticmethod
    def _is_search_page(tree: LexborHTMLParser) -> bool:
        markers = "ol.cl-static-search-results, .cl-search-results, .cl-results-page, #ld_searchpage_results"
        return tree.css_first(markers) is not None

    def _listing(
        self,
        href: str | None,
        pid: str | None,
        title: str | None,
        price_text: str | None,
        location: str | None,
    ) -> Listing:
        price, currency = parse_price(price_text)
        return Listing(
            source=self.name,
            external_id=pid or pid_from_url(href),
            url=rebase_url(href, self.base_url) if href else None,
            title=title,
            price=price,
            currency=currency,
            location=location,
        )

    def _static_listing(self, node: LexborNode) -> Listing:
        link = node.css_first("a")
        title = text_of(node.css_first(".title")) or attr(node, "title")
        return self._listing(
            attr(link, "href"),
            None,
            title,
            text_of(node.css_first(".price")),
            text_of(node.css_first(".location")),
        )

    def _card(self, node: LexborNode) -> Listing:
        link = node.css_first("a.posting-title") or node.css_first("a[href]")
        title = text_of(node.css_first(".posting-title .label")) or attr(node, "title")
        meta = text_of(node.css_first(".meta"))
        parts = [part.strip() for part in meta.split("·")] if meta else []
        location = parts[-1] or None if len(parts) > 1 else None
        return self._listing(
            attr(link, "href"), attr(node, "data-pid"), title, text_of(node.css_first(".priceinfo")), location
        )

    @staticmethod
    def _merge_itemlist(listings: list[Listing], items: list[dict[str, Any]]) -> None:
        """Add coordinates and currency from the JSON-LD ItemList, matched by exact title.

        The ItemList has no URLs or ids, so a listing takes the first unused
        item with the same name; an unmatched listing keeps its nulls.
        """
        titles = {listing.title for listing in listings if listing.title}
        by_name: dict[str, list[dict[str, Any]]] = {}
        currencies = set()
        for item in items:
            currencies.add(_offer(item).get("priceCurrency"))
            name = item.get("name")
            # Most items are not on the page as cards: compare raw names first,
            # clean only on a miss (the ItemList holds hundreds of items).
            if isinstance(name, str) and (name in titles or (name := clean(name)) in titles):
                by_name.setdefault(name, []).append(item)
        currencies = {_blank(currency) for currency in currencies} - {None}
        page_currency = currencies.pop() if len(currencies) == 1 else None
        for listing in listings:
            candidates = by_name.get(listing.title or "")
            item = candidates.pop(0) if candidates else None
            if listing.price is not None and listing.currency is None:
                listing.currency = _blank(_offer(item).get("priceCurrency")) if item else page_currency
            if item is None:
                continue
            geo, address = _place(item)
            listing.extra.update(
                latitude=to_float(geo.get("latitude")),
                longitude=to_float(geo.get("longitude")),
                city=_blank(address.get("addressLocality")),
                region=_blank(address.get("addressRegion")),
                postal_code=_blank(address.get("postalCode")),
            )

    @staticmethod
    def _total(tree: LexborHTMLParser) -> int | None:
        label = text_of(tree.css_first(".cl-page-number"))
        match = TOTAL_RE.search(label or "")
        return int(match.group(1).replace(",", "")) if match and match.group(1).strip(",") else None

    @staticmethod
    def _next_url(url: str, count: int, total: int | None) -> str | None:
        """The next page by Craigslist's ``s`` offset, or None after the last page."""
        if count == 0:
            return None
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query))
        offset = int(params["s"]) if params.get("s", "").isdigit() else 0
        if total is not None and offset + count >= total:
            return None
        params["s"] = str(offset + count)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params), ""))

    # -- posting pages --------------------------------------------------------------

    def parse_posting(self, html: str, url: str | None = None) -> Posting:
        tree = parse_html(html)
        check_blocked(tree)
        canonical = attr(tree.css_first('link[rel="canonical"]'), "href")
        page_url = rebase_url(canonical, self.base_url) if canonical else url
        infos = text_of(tree.css_first(".postinginfos")) or ""
        match = POST_ID_RE.search(infos)
        external_id = match.group(1) if match else pid_from_url(canonical) or pid_from_url(url)
        title = text_of(tree.css_first("#titletextonly"))
        if not external_id or not title:
            raise ParseError("not a craigslist posting (no post id or title)")
        ld = next((b for b in json_ld(tree, "script#ld_posting_data") if isinstance(b, dict)), {})
        geo, address = _place(ld)
        price, currency = parse_price(text_of(tree.css_first(".postingtitletext .price")))
        if price is not None and currency is None:
            currency = _blank(_offer(ld).get("priceCurrency"))
        body = self._body(tree)
        country = _blank(address.get("addressCountry"))
        region_code = country if country and len(country) == 2 else DEFAULT_PHONE_REGION
        posted, updated = self._times(tree)
        websites = [link for link in find_urls(body or "") if "craigslist.org" not in link]
        return Posting(
            source=self.name,
            external_id=external_id,
            url=page_url,
            title=title,
            price=price,
            currency=currency,
            location=self._location(tree),
            latitude=to_float(attr(tree.css_first("#map"), "data-latitude")),
            longitude=to_float(attr(tree.css_first("#map"), "data-longitude")),
            posted_at=posted,
            updated_at=updated,
            body=body,
            phones=find_phones(body or "", region_code),
            emails=find_emails(body or ""),
            attributes=self._attributes(tree),
            category=text_of(tree.css_first("li.crumb.category a")),
            business_name=self._business_name(ld),
            website=websites[0] if websites else None,
            city=_blank(address.get("addressLocality")),
            region=_blank(address.get("addressRegion")),
            postal_code=_blank(address.get("postalCode")),
            country=country,
        )

    @staticmethod
    def _location(tree: LexborHTMLParser) -> str | None:
        for span in tree.css(".postingtitletext > span"):
            text = text_of(span)
            if text and text.startswith("(") and text.endswith(")"):
                return clean(text[1:-1])
        return None

    @staticmethod
    def _body(tree: LexborHTMLParser) -> str | None:
        node = tree.css_first("#postingbody")
        if node is None:
            return None
        for hidden in node.css(".print-information"):
            hidden.decompose()
        return multiline_text(node)

    @staticmethod
    def _times(tree: LexborHTMLParser) -> tuple[str | None, str | None]:
        posted = updated = None
        for info in tree.css(".postinginfos .postinginfo"):
            label = (text_of(info) or "").lower()
            stamp = iso_datetime(attr(info.css_first("time"), "datetime"))
            if label.startswith("posted") and posted is None:
                posted = stamp
            elif label.startswith("updated") and updated is None:
                updated = stamp
        if posted is None:
            posted = iso_datetime(attr(tree.css_first("#display-date time"), "datetime"))
        return posted, updated

    @staticmethod
    def _attributes(tree: LexborHTMLParser) -> dict[str, Any]:
        """Attribute groups: "label: value" pairs, and bare flags such as "delivery available"."""
        attributes: dict[str, Any] = {}
        for span in tree.css(".attrgroup > span:not(.otherpostings), .attrgroup .attr"):
            label_node = span.css_first(".labl")
            if label_node is not None:
                label, value = text_of(label_node), text_of(span.css_first(".valu"))
            else:
                text = text_of(span) or ""
                label, _, value = text.partition(":") if ":" in text else (text, "", None)
                value = clean(value) if value is not None else True
            label = clean((label or "").rstrip(":"))
            if label:
                attributes[label] = value
        return attributes

    @staticmethod
    def _business_name(ld: dict[str, Any]) -> str | None:
        for key in ("seller", "brand", "provider"):
            value = ld.get(key)
            if isinstance(value, dict) and _blank(value.get("name")):
                return _blank(value.get("name"))
        return None

    # -- lead records ---------------------------------------------------------------

    def parse_detail(self, html: str, url: str, listing: Listing) -> LeadRecord:
        posting = self.parse_posting(html, url)
        return LeadRecord(
            source=self.name,
            external_id=posting.external_id,
            url=posting.url,
            title=posting.title,
            name=posting.business_name or posting.title,
            category=posting.category,
            phones=posting.phones,
            emails=posting.emails,
            website=posting.website,
            city=posting.city or posting.location,
            region=posting.region,
            postal_code=posting.postal_code,
            country=posting.country,
            latitude=posting.latitude,
            longitude=posting.longitude,
            data=posting.to_dict(),
        )
