"""Craigslist parsers on real saved pages: exact values, both layouts, block pages."""

from __future__ import annotations

import pytest

from leadq.errors import ParseError, ValidationFailed
from leadq.settings import Settings
from leadq.sources.base import SearchQuery, SourceBlocked
from leadq.sources.craigslist import CraigslistSource
from tests.conftest import FIXTURES

PAGES = FIXTURES / "craigslist"
SEARCH_URL = "https://boston.craigslist.org/search/sss"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


@pytest.fixture
def source() -> CraigslistSource:
    return CraigslistSource(Settings(_env_file=None))


@pytest.fixture
def local_source() -> CraigslistSource:
    return CraigslistSource(Settings(_env_file=None, craigslist_base_url="http://127.0.0.1:8123"))


def test_browser_cards_yield_all_120_listings_with_exact_fields(source):
    result = source.parse_search(page("craigslist-search-results-sample.html"), SEARCH_URL)
    assert len(result.listings) == 120
    first = result.listings[0]
    assert first.external_id == "7692736931"
    assert first.url == "https://boston.craigslist.org/nos/for/d/peabody-solar-tea-light/7692736931.html"
    assert first.title == "Solar tea light"
    assert (first.price, first.currency, first.location) == (5.0, "USD", "Peabody")
    assert first.extra["city"] == "Peabody"
    assert first.extra["latitude"] == pytest.approx(42.5325988842406)


def test_html_entities_and_unicode_in_card_titles_are_decoded(source):
    listings = source.parse_search(page("craigslist-search-results-sample.html"), SEARCH_URL).listings
    by_id = {listing.external_id: listing for listing in listings}
    assert by_id["7692736919"].title == "WEN by Chaz Dean Bella Spirit & Classic Set"
    assert by_id["7692736836"].title == "Alessi “Noe” and Santa Margherita Modular Wine Rack/Bottle Holder."
    assert by_id["7688594745"].location == "Cambridge / Waltham"


def test_a_card_without_price_has_null_price_and_currency(source):
    listings = source.parse_search(page("craigslist-search-results-sample.html"), SEARCH_URL).listings
    chairs = next(listing for listing in listings if listing.external_id == "7692735853")
    assert chairs.title == "4 free modern black dining chairs"
    assert (chairs.price, chairs.currency, chairs.location) == (None, None, "Lincoln, MA")


def test_search_page_points_to_the_next_page_by_offset(source):
    result = source.parse_search(page("craigslist-search-results-sample.html"), SEARCH_URL)
    assert result.total == 10000
    assert result.next_url == "https://boston.craigslist.org/search/sss?s=120"


def test_static_layout_yields_the_same_listings_as_the_cards(source):
    static = source.parse_search(page("search-static-layout.html"), SEARCH_URL).listings
    cards = source.parse_search(page("craigslist-search-results-sample.html"), SEARCH_URL).listings[:40]
    assert len(static) == 40
    assert [(s.external_id, s.url, s.title, s.price, s.location) for s in static] == [
        (c.external_id, c.url, c.title, c.price, c.location) for c in cards
    ]


def test_links_are_mapped_onto_the_configured_base_url(local_source):
    listings = local_source.parse_search(
        page("search-static-layout.html"), "http://127.0.0.1:8123/search/sss"
    )
    assert (
        listings.listings[0].url == "http://127.0.0.1:8123/nos/for/d/peabody-solar-tea-light/7692736931.html"
    )
    assert listings.next_url == "http://127.0.0.1:8123/search/sss?s=40"


def test_block_page_is_its_own_outcome_not_zero_results(source):
    with pytest.raises(SourceBlocked, match="blocked") as caught:
        source.parse_search(page("blocked.html"), SEARCH_URL)
    assert caught.value.retry_after >= 60


def test_captcha_page_is_reported_as_blocked(source):
    with pytest.raises(SourceBlocked, match="captcha"):
        source.parse_search(page("captcha.html"), SEARCH_URL)


def test_a_search_with_no_results_is_an_empty_page_without_next(source):
    result = source.parse_search(page("no-results.html"), SEARCH_URL)
    assert result.listings == [] and result.next_url is None


def test_a_page_that_is_not_a_search_page_is_a_parse_error(source):
    with pytest.raises(ParseError):
        source.parse_search("<html><body><h1>Welcome</h1></body></html>", SEARCH_URL)


def test_posting_fields_match_the_saved_page_exactly(source):
    posting = source.parse_posting(page("craigslist-result-details-sample.html")).to_dict()
    assert posting == {
        "source": "craigslist",
        "external_id": "7692736931",
        "url": "https://boston.craigslist.org/nos/for/d/peabody-solar-tea-light/7692736931.html",
        "title": "Solar tea light",
        "price": 5.0,
        "currency": "USD",
        "location": "Peabody",
        "latitude": 42.5326,
        "longitude": -70.9612,
        "posted_at": "2023-11-29T20:23:46-05:00",
        "updated_at": None,
        "body": "Small solar tea light new inbox",
        "phones": [],
        "emails": [],
        "attributes": {"delivery available": True, "make / manufacturer": "Sorrento"},
        "category": "general for sale",
        "business_name": None,
        "website": None,
        "city": "Peabody",
        "region": "MA",
        "postal_code": "01960",
        "country": "US",
    }


def test_posting_without_price_has_nulls_and_finds_the_phone_in_html_body(source):
    posting = source.parse_posting(page("craigslist-result-details-no-price-sample.html"))
    assert posting.external_id == "7647523987"
    assert posting.title == "2019 Suzuki DR650 SKU:UK2101120-CA Suzuki DR650"
    assert (posting.price, posting.currency) == (None, None)
    assert posting.location == "windham new hampshire"
    assert posting.posted_at == "2023-07-25T20:10:58-04:00"
    assert posting.phones == ["+18022220394"]
    assert posting.website == "http://lyv.cc/W9ZK5"
    assert posting.body.startswith("Nault's Windham Motorcycles\nAsk for: Joey Labranch\n☎ (802) 222-0394\n")
    assert "Color: GRAY/BLACK\nEngine:" in posting.body
    assert posting.attributes["VIN"] == "JS1SP46A2K2101120"
    assert posting.attributes["fuel"] is None
    assert "more ads by this user" not in posting.attributes


def test_posting_without_map_has_null_coordinates_and_keeps_unicode(local_source):
    posting = local_source.parse_posting(page("posting-no-map-updated.html"))
    assert (posting.latitude, posting.longitude) == (None, None)
    assert posting.title == "Jardinería Núñez — garden care & café patios"
    assert (posting.price, posting.currency) == (1250.0, "USD")
    assert posting.updated_at == "2023-11-30T09:05:12-05:00"
    assert posting.phones == ["+16175550199"]
    assert posting.emails == ["hola@jardineria-nunez.example"]
    assert posting.website == "https://www.jardineria-nunez.example/servicios"
    assert posting.body.endswith("<script>alert(1)</script>")
    assert posting.url.startswith("http://127.0.0.1:8123/nos/for/d/")


def test_posting_becomes_a_lead_record(source):
    record = source.parse_detail(page("craigslist-result-details-no-price-sample.html"), "u", None)
    assert (record.source, record.external_id, record.phones) == (
        "craigslist",
        "7647523987",
        ["+18022220394"],
    )
    assert record.name == record.title and record.data["external_id"] == "7647523987"


def test_search_url_needs_a_site_unless_a_base_url_is_set(source, local_source):
    query = SearchQuery(site="sfbay", category="sks", query="landscaping")
    assert source.search_url(query) == "https://sfbay.craigslist.org/search/sks?query=landscaping"
    assert local_source.search_url(SearchQuery(category="sks")) == "http://127.0.0.1:8123/search/sks"
    with pytest.raises(ValidationFailed, match="--site"):
        source.search_url(SearchQuery(query="x"))
    with pytest.raises(ValidationFailed):
        source.search_url(SearchQuery(site="evil.com/x?"))
