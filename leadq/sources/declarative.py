"""Declarative sources: a TOML file of CSS selectors scrapes a directory without code.

Example (``leadq scrape --source-file mysite.toml --query plumbers``)::

    name = "mydirectory"
    list_url = "https://directory.example/search?q={query}&page={page}"
    item = "div.listing"
    next_page = "a.next @href"          # optional; else {page} in list_url is counted up
    [fields]                             # on each item: "css", "css @attr" or "@attr"
    title = "h2 a"
    url = "h2 a @href"
    phone = ".phone"
    [detail]                             # optional: fetched from each item's url
    email = "a.email @href"

The spec travels in job messages as a plain dict and is validated again by
the worker, so a file edited between enqueue and run cannot smuggle bad input.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from leadq.contacts import find_emails, normalize_phone
from leadq.errors import ConfigError, ParseError
from leadq.leads.record import LeadRecord
from leadq.sources.base import Listing, SearchPage, SearchQuery, Source
from leadq.sources.html import parse_html, text_of, to_float

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")
PLACEHOLDERS = {"query", "site", "category", "page", "location"}
PLACEHOLDER_RE = re.compile(r"\{([^{}]{0,40})\}")
FIELDS = (
    "title",
    "name",
    "url",
    "external_id",
    "phone",
    "email",
    "website",
    "address",
    "city",
    "region",
    "postal_code",
    "category",
    "rating",
    "review_count",
)
LINK_FIELDS = {"url", "website"}
TOP_KEYS = {"name", "description", "list_url", "item", "next_page", "first_page", "fields", "detail"}


@dataclass(frozen=True)
class Selector:
    """ "css @attr": the CSS part (may be empty: the node itself) and the attribute, if any."""

    css: str
    attribute: str | None

    @classmethod
    def parse(cls, text: str) -> Selector:
        css, _, attribute = text.partition("@")
        return cls(css.strip(), attribute.strip() or None)

    def extract(self, node: LexborNode | LexborHTMLParser) -> str | None:
        target = node.css_first(self.css) if self.css else node
        if target is None or isinstance(target, LexborHTMLParser):
            return None
        if self.attribute:
            value = target.attributes.get(self.attribute)
            return value.strip() or None if value else None
        return text_of(target)


@dataclass(frozen=True)
class Spec:
    """A validated declarative source."""

    name: str
    list_url: str
    item: str
    fields: dict[str, Selector]
    detail: dict[str, Selector] = field(default_factory=dict)
    next_page: Selector | None = None
    first_page: int = 1
    description: str = ""


def _check_selector(where: str, text: Any) -> Selector:
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{where}: must be a non-empty selector string")
    selector = Selector.parse(text)
    if selector.css:
        try:
            LexborHTMLParser("<p></p>").css(selector.css)
        except SelectolaxError:
            raise ConfigError(f"{where}: invalid CSS selector {selector.css!r}") from None
    return selector


def _check_fields(where: str, table: Any) -> dict[str, Selector]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: must be a table of field = selector")
    unknown = sorted(set(table) - set(FIELDS))
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown field (known: {', '.join(FIELDS)})")
    return {key: _check_selector(f"{where}.{key}", value) for key, value in table.items()}


def validate_spec(data: dict[str, Any], origin: str = "source file") -> Spec:
    """A ``Spec`` from parsed TOML, or a ``ConfigError`` naming the first problem."""
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ConfigError(f"{origin}: unknown key {unknown[0]!r} (known: {', '.join(sorted(TOP_KEYS))})")
    name = data.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ConfigError(f"{origin}: name must be lower-case letters, digits, - or _ (e.g. 'mydirectory')")
    list_url = data.get("list_url")
    if not isinstance(list_url, str) or not list_url.startswith(("http://", "https://")):
        raise ConfigError(f"{origin}: list_url must be an http(s) URL template")
    bad = sorted(set(PLACEHOLDER_RE.findall(list_url)) - PLACEHOLDERS)
    if bad:
        raise ConfigError(
            f"{origin}: list_url has unknown placeholder {{{bad[0]}}} "
            f"(known: {', '.join(sorted(PLACEHOLDERS))})"
        )
    item = _check_selector(f"{origin}: item", data.get("item"))
    if item.attribute:
        raise ConfigError(f"{origin}: item must be a CSS selector without @attribute")
    fields = _check_fields(f"{origin}: fields", data.get("fields"))
    if "title" not in fields and "name" not in fields:
        raise ConfigError(f"{origin}: fields needs a title or name selector")
    detail = _check_fields(f"{origin}: detail", data["detail"]) if "detail" in data else {}
    if detail and "url" not in fields:
        raise ConfigError(f"{origin}: detail selectors need fields.url to know which page to fetch")
    next_page = _check_selector(f"{origin}: next_page", data["next_page"]) if "next_page" in data else None
    first_page = data.get("first_page", 1)
    if not isinstance(first_page, int) or isinstance(first_page, bool):
        raise ConfigError(f"{origin}: first_page must be an integer")
    description = data.get("description", "")
    return Spec(
        name=name,
        list_url=list_url,
        item=item.css,
        fields=fields,
        detail=detail,
        next_page=next_page,
        first_page=first_page,
        description=str(description),
    )


def load_spec_file(path: Path) -> dict[str, Any]:
    """Read and validate a TOML source file; returns the plain dict jobs carry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"source file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read source file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    validate_spec(data, str(path))
    return data


@lru_cache(maxsize=32)
def _validated(spec_json: str) -> Spec:
    """``validate_spec`` once per process and spec: every page and listing job of a run
    opens the same source (the spec is stored once, on the run)."""
    return validate_spec(json.loads(spec_json))


class DeclarativeSource(Source):
    """A source described by selectors in a TOML file."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.raw = data
        try:
            self.spec = _validated(json.dumps(data, sort_keys=True))
        except TypeError:  # a TOML date or time: not JSON, so validated here and uncached
            self.spec = validate_spec(data)
        self.name = self.spec.name
        self.description = self.spec.description or f"declarative source from {self.spec.list_url}"
        self.fetches_detail = bool(self.spec.detail)
        self.base_url = self.spec.list_url

    def settings_summary(self) -> dict[str, Any]:
        return {"list_url": self.spec.list_url}

    def search_url(self, query: SearchQuery) -> str:
        return self._page_url(query, self.spec.first_page)

    def _page_url(self, query: SearchQuery, page: int) -> str:
        values = {
            "query": query.query,
            "site": query.site,
            "category": query.category,
            "location": query.location,
            "page": str(page),
        }
        return PLACEHOLDER_RE.sub(lambda m: quote_plus(values.get(m.group(1)) or ""), self.spec.list_url)

    def parse_search(self, html: str, url: str) -> SearchPage:
        tree = parse_html(html)
        listings = [self._listing(node, url) for node in tree.css(self.spec.item)]
        listings = [listing for listing in listings if listing.external_id]
        return SearchPage(listings=listings, next_url=self._next_url(tree, url, bool(listings)))

    def _next_url(self, tree: LexborHTMLParser, url: str, found: bool) -> str | None:
        if self.spec.next_page is not None:
            href = self.spec.next_page.extract(tree.root) if tree.root is not None else None
            return urljoin(url, href) if href else None
        if "{page}" not in self.spec.list_url or not found:
            return None
        return self._next_numbered(url)

    def _next_numbered(self, url: str) -> str | None:
        """``url`` with its page number + 1, found by matching ``url`` against the template."""
        pieces = PLACEHOLDER_RE.split(self.spec.list_url)  # literal, name, literal, name, ...
        pattern = "".join(
            re.escape(piece) if index % 2 == 0 else (r"(\d{1,6})" if piece == "page" else r"[^&#]{0,500}?")
            for index, piece in enumerate(pieces)
        )
        match = re.fullmatch(pattern, url)
        if not match:
            return None
        start, end = match.span(1)
        return url[:start] + str(int(match.group(1)) + 1) + url[end:]

    def _values(
        self, node: LexborNode | LexborHTMLParser, selectors: dict[str, Selector], page_url: str
    ) -> dict[str, str]:
        """Extracted values; links (url, website) made absolute against the page they are on."""
        values = {key: value for key, selector in selectors.items() if (value := selector.extract(node))}
        for key in LINK_FIELDS & values.keys():
            values[key] = urljoin(page_url, values[key])
        return values

    def _listing(self, node: LexborNode, page_url: str) -> Listing:
        values = self._values(node, self.spec.fields, page_url)
        url = values.get("url")
        return Listing(
            source=self.name,
            external_id=values.get("external_id") or url or values.get("title") or values.get("name"),
            url=url,
            title=values.get("title") or values.get("name"),
            extra=values,
        )

    def parse_detail(self, html: str, url: str, listing: Listing) -> LeadRecord:
        tree = parse_html(html)
        if tree.root is None:
            raise ParseError(f"empty detail page {url}")
        values = {**listing.extra, **self._values(tree.root, self.spec.detail, url)}
        return self._record(listing, values)

    def record_from_listing(self, listing: Listing) -> LeadRecord:
        return self._record(listing, listing.extra)

    def _record(self, listing: Listing, values: dict[str, Any]) -> LeadRecord:
        phone = normalize_phone(values.get("phone"))
        email = values.get("email", "").removeprefix("mailto:")
        review_count = to_float(values.get("review_count"))
        return LeadRecord(
            source=self.name,
            external_id=str(listing.external_id),
            url=listing.url,
            title=listing.title,
            name=values.get("name") or listing.title,
            category=values.get("category"),
            phones=[phone] if phone else [],
            emails=find_emails(email),
            website=values.get("website"),
            address=values.get("address"),
            city=values.get("city"),
            region=values.get("region"),
            postal_code=values.get("postal_code"),
            rating=to_float(values.get("rating")),
            review_count=int(review_count) if review_count is not None else None,
            data={"listing": listing.to_dict(), "values": values},
        )
