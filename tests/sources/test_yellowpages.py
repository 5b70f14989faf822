"""Yellow Pages result pages (hand-written fixture in the site's markup) into lead records."""

from __future__ import annotations

import pytest

from leadq.errors import ParseError, ValidationFailed
from leadq.settings import Settings
from leadq.sources.base import SearchQuery
from leadq.sources.yellowpages import YellowPagesSource, rating_from_classes
from tests.conftest import FIXTURES

BASE = "http://127.0.0.1:8124"
URL = f"{BASE}/search?search_terms=landscaping&geo_location_terms=San+Francisco%2C+CA"


@pytest.fixture
def source() -> YellowPagesSource:
    return YellowPagesSource(Settings(_env_file=None, yellowpages_base_url=BASE))


def page(name: str) -> str:
    return (FIXTURES / "yellowpages" / name).read_text(encoding="utf-8")


def test_result_page_yields_each_business_with_exact_fields(source):
    result = source.parse_search(page("search-landscaping-page1.html"), URL)
    assert [listing.external_id for listing in result.listings] == [
        "461927731",
        "502114356",
        "477003981",
        "499810722",
    ]
    record = source.record_from_listing(result.listings[0])
    assert record.name == "Greenleaf Landscaping"
    assert record.phones == ["+14155550134"]
    assert (record.address, record.city, record.region, record.postal_code) == (
        "1450 Folsom St",
        "San Francisco",
        "CA",
        "94103",
    )
    assert record.website == "https://www.greenleaf-landscaping.example/"
    assert record.category == "Landscape Contractors"
    assert record.data["extra"]["categories"] == ["Landscape Contractors", "Gardeners"]
    assert (record.rating, record.review_count) == (4.5, 23)
    assert record.url == f"{BASE}/san-francisco-ca/mip/greenleaf-landscaping-461927731?lid=461927731"


def test_missing_values_stay_null(source):
    listings = source.parse_search(page("search-landscaping-page1.html"), URL).listings
    no_site = source.record_from_listing(listings[1])
    assert no_site.name == "Bay Tree Care & Gardens" and no_site.website is None
    unrated = source.record_from_listing(listings[2])
    assert unrated.name == "Jardinería Núñez"
    assert (unrated.rating, unrated.review_count, unrated.phones) == (None, None, ["+14155550102"])
    no_phone = source.record_from_listing(listings[3])
    assert (no_phone.phones, no_phone.address, no_phone.postal_code) == ([], None, None)


def test_next_page_link_is_followed_until_the_last_page(source):
    first = source.parse_search(page("search-landscaping-page1.html"), URL)
    assert first.next_url == f"{URL}&page=2"
    last = source.parse_search(page("search-landscaping-page2.html"), first.next_url)
    assert [listing.title for listing in last.listings] == ["Mission Hardscapes"]
    assert last.next_url is None


def test_rating_words_become_numbers():
    assert rating_from_classes("result-rating four half") == 4.5
    assert rating_from_classes("result-rating two") == 2.0
    assert rating_from_classes(None) is None


def test_search_url_needs_terms(source):
    url = source.search_url(SearchQuery(site="San Francisco, CA", query="landscaping"))
    assert url == URL
    with pytest.raises(ValidationFailed):
        source.search_url(SearchQuery(site="Oakland, CA"))


def test_a_page_without_results_markup_is_a_parse_error(source):
    with pytest.raises(ParseError):
        source.parse_search("<html><body>hello</body></html>", URL)
