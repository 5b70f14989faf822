"""Google Maps: places rendered by JavaScript, read through headless Chromium.

The result list is a scrollable ``div[role=feed]`` that loads more places as
it is scrolled, and each place's panel (name, category, address, phone,
website, rating, hours, plus code) is built by script too, so both pages are
rendered in the browser (``fetch_search`` scrolls the feed until the budget,
the end of the list or the scroll limit; ``fetch_detail`` waits for the
panel). Parsing stays pure: the rendered page source goes through selectolax
like every other source, so the parsers are tested on saved HTML.

Google Maps' robots.txt disallows most crawling and its terms forbid
scraping: the source honours robots.txt like every source, so it only runs
with ``--ignore-robots``, which is the user's call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote_plus, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from leadq.contacts import normalize_phone
from leadq.errors import ParseError, ValidationFailed
from leadq.leads.record import LeadRecord
from leadq.settings import Settings
from leadq.sources.base import Listing, SearchPage, SearchQuery, Source, SourceBlocked
from leadq.sources.html import attr, parse_html, text_of
from leadq.sources.text import clean

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

    from leadq.sources.fetch import PoliteFetcher


class Selectors:
    """Every selector this source reads, modelled on the live Google Maps DOM.

    Only attributes Google keeps for accessibility and its own actions (roles,
    aria-labels, data-item-id, jsaction), never its generated class names.
    """

    FEED = "div[role=feed]"
    #: One place card's link in the feed (sponsored cards have no /maps/place/ link).
    FEED_ITEM = 'div[role=feed] > div > div[jsaction] a[href*="/maps/place/"]'
    #: "You've reached the end of the list." (the one generated class name: no stable hook exists).
    END_OF_LIST = "div[role=feed] span.HlvSq"
    NAME = "div[role=main] h1, h1"
    CATEGORY = 'button[jsaction*="category"]'
    ADDRESS = 'button[data-item-id="address"]'
    PHONE = 'button[data-item-id^="phone:tel:"]'
    WEBSITE = 'a[data-item-id="authority"]'
    PLUS_CODE = 'button[data-item-id="oloc"]'
    RATING = '[role=img][aria-label*="stars"]'
    REVIEWS = '[aria-label*="review" i]'
    HOURS_ROWS = 'div[aria-label*="hours" i] table tr'
    CONSENT = 'form[action*="consent.google"]'
    CAPTCHA = '#captcha-form, .g-recaptcha, iframe[src*="recaptcha"], form[action*="/sorry/"]'


#: Text of the consent interstitial ("Before you continue to Google Maps").
CONSENT_TEXT = "before you continue"
CAPTCHA_TEXT = "unusual traffic from your computer network"
NO_RESULTS_TEXT = "google maps can't find"
#: The place's own pin in a place URL, then the map centre ("@lat,lng").
PIN_RE = re.compile(r"!3d(-?\d{1,3}\.\d{1,12})!4d(-?\d{1,3}\.\d{1,12})")
CENTRE_RE = re.compile(r"@(-?\d{1,3}\.\d{1,12}),(-?\d{1,3}\.\d{1,12})")
#: Google's feature id ("!1s0x89e3...:0x5c1b...") and place id ("!19sChIJ...").
FEATURE_ID_RE = re.compile(r"!1s(0x[0-9a-fA-F]{1,16}:0x[0-9a-fA-F]{1,16})")
PLACE_ID_RE = re.compile(r"!19s(ChIJ[\w-]{10,200})")
RATING_RE = re.compile(r"(\d(?:[.,]\d)?)\s{0,3}star")
REVIEWS_RE = re.compile(r"(\d[\d,.\u202f\u00a0]{0,12})\s{0,3}review", re.IGNORECASE)
#: "Address: 52 Charles St, Boston, MA 02114" -> the value after the label.
LABEL_RE = re.compile(r"^[^:]{1,30}:\s{0,3}")
US_ADDRESS_RE = re.compile(
    r"^(?P<street>.{1,200}?),\s{0,3}(?P<city>[^,]{1,100}),\s{0,3}(?P<region>[A-Z]{2})\s{1,3}"
    r"(?P<postal>\d{5}(?:-\d{4})?)(?:,\s{0,3}(?:United States|USA))?$"
)


def block_reason(tree: LexborHTMLParser) -> str | None:
    """The block Google answered with instead of Maps ("consent page", "captcha"), or None."""
    text = (text_of(tree.body) or "")[:5000].lower()
    title = (text_of(tree.css_first("title")) or "").lower()
    if tree.css_first(Selectors.CONSENT) is not None or title.startswith(CONSENT_TEXT):
        return "consent page"
    if tree.css_first(Selectors.CAPTCHA) is not None or CAPTCHA_TEXT in text:
        return "captcha"
    return None


def place_id(url: str) -> str | None:
    """A stable id for a place URL: Google's feature id, else its place id, else the path."""
    for pattern in (FEATURE_ID_RE, PLACE_ID_RE):
        found = pattern.search(url)
        if found:
            return found.group(1)
    _, marker, rest = urlsplit(url).path.partition("/place/")
    return (rest.strip("/") or None) if marker else None


def coordinates(url: str) -> tuple[float | None, float | None]:
    """(latitude, longitude) of a place URL: its pin (!3d!4d), else the map centre (@lat,lng)."""
    found = PIN_RE.search(url) or CENTRE_RE.search(url)
    if not found:
        return None, None
    lat, lng = float(found.group(1)), float(found.group(2))
    return (lat, lng) if -90 <= lat <= 90 and -180 <= lng <= 180 else (None, None)


def labelled(node) -> str | None:
    """The value of a labelled button: aria-label without its "Address: " label, else its text."""
    label = attr(node, "aria-label")
    return clean(LABEL_RE.sub("", label)) if label else text_of(node)


def unwrap_redirect(href: str | None) -> str | None:
    """Google sometimes links websites through /url?q=TARGET; keep the target."""
    if not href:
        return None
    parts = urlsplit(href)
    if parts.path == "/url":
        target = parse_qs(parts.query).get("q", [None])[0]
        return target if target and target.startswith(("http://", "https://")) else None
    return href if href.startswith(("http://", "https://")) else None


def opening_hours(tree: LexborHTMLParser) -> dict[str, str] | None:
    """{"Monday": "7 AM–6 PM", ...} from the hours table, in the table's order."""
    hours: dict[str, str] = {}
    for row in tree.css(Selectors.HOURS_ROWS):
        cells = row.css("td")
        if len(cells) >= 2:
            day, value = text_of(cells[0]), text_of(cells[1]) or attr(cells[1], "aria-label")
            if day and value:
                hours[day] = value
    return hours or None


def first_number(pattern: re.Pattern[str], tree: LexborHTMLParser, selector: str) -> str | None:
    for node in tree.css(selector):
        found = pattern.search(attr(node, "aria-label") or "")
        if found:
            return found.group(1)
    return None


class GoogleMapsSource(Source):
    name = "google-maps"
    description = (
        "Google Maps places, rendered in headless Chromium (--query plumber --location 'Boston, MA'); "
        "needs --ignore-robots and may breach Google's terms."
    )
    fetches_detail = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base_url = settings.google_maps_base_url.rstrip("/")

    def settings_summary(self) -> dict[str, Any]:
        return {
            "google_maps_base_url": self.base_url,
            "google_maps_max_scrolls": self.settings.google_maps_max_scrolls,
            "browser_page_timeout": self.settings.browser_page_timeout,
            "chromium_path": self.settings.chromium_path,
        }

    def search_url(self, query: SearchQuery) -> str:
        if not query.query:
            raise ValidationFailed("google-maps needs --query, e.g. --query plumber --location 'Boston, MA'")
        where = query.location or query.site
        terms = f"{query.query} in {where}" if where else query.query
        # English labels: ratings, review counts and hours are read from aria-labels.
        return f"{self.base_url}/search/{quote_plus(terms)}?hl=en"

    def on_base(self, href: str, page_url: str) -> str:
        """A place link on the configured base URL: ``.../maps/place/X`` -> ``<base>/place/X``."""
        parts = urlsplit(urljoin(page_url, href))
        path = parts.path.removeprefix("/maps") if parts.path.startswith("/maps/") else parts.path
        return self.base_url + path + (f"?{parts.query}" if parts.query else "")

    # -- rendering (browser) -----------------------------------------------------

    def fetch_search(self, url: str, fetcher: PoliteFetcher, budget: int) -> str:
        return fetcher.render(url, lambda driver: self._scroll_feed(driver, budget))

    def fetch_detail(self, url: str, fetcher: PoliteFetcher) -> str:
        return fetcher.render(url, lambda driver: self._settled(driver, Selectors.NAME))

    def _settled(self, driver: WebDriver, ready: str) -> str:
        """Page source once ``ready`` (or a consent page or captcha) has rendered.

        On timeout the source is returned anyway: the parser tells a block
        page, an empty search and a changed layout apart.
        """
        watched = f"{ready}, {Selectors.CONSENT}, {Selectors.CAPTCHA}"
        _wait(driver, self.settings.browser_element_timeout, lambda d: _count(d, watched) > 0)
        return driver.page_source

    def _scroll_feed(self, driver: WebDriver, budget: int) -> str:
        """Scroll the feed until ``budget`` places, the end of the list, no growth, or the scroll limit."""
        self._settled(driver, Selectors.FEED)
        for _ in range(self.settings.google_maps_max_scrolls):
            loaded = _count(driver, Selectors.FEED_ITEM)
            if loaded >= budget or not _count(driver, Selectors.FEED) or _at_end(driver):
                break
            driver.execute_script(
                "const feed = document.querySelector(arguments[0]); feed.scrollTop = feed.scrollHeight;",
                Selectors.FEED,
            )
            grew = _wait(
                driver,
                self.settings.google_maps_scroll_wait,
                lambda d, before=loaded: _count(d, Selectors.FEED_ITEM) > before or _at_end(d),
            )
            if not grew:
                break
        return driver.page_source

    # -- parsing (pure) ----------------------------------------------------------

    def _tree(self, html: str) -> LexborHTMLParser:
        tree = parse_html(html)
        reason = block_reason(tree)
        if reason:
            raise SourceBlocked(f"google maps answered with a {reason} instead of results; backing off")
        return tree

    def parse_search(self, html: str, url: str) -> SearchPage:
        tree = self._tree(html)
        if tree.css_first(Selectors.FEED) is None:
            if NO_RESULTS_TEXT in (text_of(tree.body) or "").lower():
                return SearchPage(listings=[])
            raise ParseError("not a google maps result page (no results feed rendered)")
        listings = []
        for link in tree.css(Selectors.FEED_ITEM):
            place_url = self.on_base(attr(link, "href") or "", url)
            external_id = place_id(place_url)
            if external_id:
                listings.append(
                    Listing(
                        source=self.name,
                        external_id=external_id,
                        url=place_url,
                        title=attr(link, "aria-label") or text_of(link),
                    )
                )
        return SearchPage(listings=listings)

    def _phone(self, tree: LexborHTMLParser) -> str | None:
        """E.164 from the phone button's ``tel:`` id, else from its label."""
        node = tree.css_first(Selectors.PHONE)
        if node is None:
            return None
        region = self.settings.enrich_phone_region
        tel = (attr(node, "data-item-id") or "").removeprefix("phone:tel:")
        return normalize_phone(tel, region) or normalize_phone(labelled(node), region)

    def parse_detail(self, html: str, url: str, listing: Listing) -> LeadRecord:
        tree = self._tree(html)
        name = text_of(tree.css_first(Selectors.NAME))
        if not name:
            raise ParseError(f"not a google maps place page (no name rendered): {url}")
        full_address = labelled(tree.css_first(Selectors.ADDRESS))
        address = US_ADDRESS_RE.match(full_address or "")
        phone = self._phone(tree)
        rating = first_number(RATING_RE, tree, Selectors.RATING)
        reviews = first_number(REVIEWS_RE, tree, Selectors.REVIEWS)
        latitude, longitude = coordinates(url)
        fields = {
            "name": name,
            "category": text_of(tree.css_first(Selectors.CATEGORY)),
            "address": full_address,
            "phone": phone,
            "website": unwrap_redirect(attr(tree.css_first(Selectors.WEBSITE), "href")),
            "rating": float(rating.replace(",", ".")) if rating else None,
            "review_count": int(re.sub(r"\D", "", reviews)) if reviews else None,
            "opening_hours": opening_hours(tree),
            "latitude": latitude,
            "longitude": longitude,
            "plus_code": labelled(tree.css_first(Selectors.PLUS_CODE)),
        }
        return LeadRecord(
            source=self.name,
            external_id=str(place_id(url) or listing.external_id or url),
            url=url,
            title=name,
            name=name,
            category=fields["category"],
            phones=[phone] if phone else [],
            website=fields["website"],
            address=address.group("street") if address else full_address,
            city=address.group("city") if address else None,
            region=address.group("region") if address else None,
            postal_code=address.group("postal") if address else None,
            country="US" if address else None,
            latitude=latitude,
            longitude=longitude,
            rating=fields["rating"],
            review_count=fields["review_count"],
            data={"listing": listing.to_dict(), **fields},
        )


def _count(driver: WebDriver, selector: str) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, selector))


def _at_end(driver: WebDriver) -> bool:
    return _count(driver, Selectors.END_OF_LIST) > 0


def _wait(driver: WebDriver, timeout: float, condition: Callable[[WebDriver], bool]) -> bool:
    """Whether ``condition`` held within ``timeout`` seconds (polled every 100 ms)."""
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)
    except TimeoutException:
        return False
    return True
