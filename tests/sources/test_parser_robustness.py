"""Hostile input: malformed HTML never crashes a parser, and text scans stay linear."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadq.contacts import find_emails, find_phones, find_urls
from leadq.errors import PermanentError
from leadq.settings import Settings
from leadq.sources.base import Listing
from leadq.sources.craigslist import CraigslistSource
from leadq.sources.declarative import DeclarativeSource
from leadq.sources.google_maps import GoogleMapsSource
from leadq.sources.text import parse_price
from leadq.sources.yellowpages import YellowPagesSource
from tests.conftest import FIXTURES

REAL = [
    (FIXTURES / "craigslist" / name).read_text(encoding="utf-8")[:6000]
    for name in ("craigslist-result-details-sample.html", "search-static-layout.html")
]
TAGS = [
    "<li class='cl-static-search-result'>",
    "<li class='cl-search-result' data-pid='12345'>",
    "<a href='",
    "/1234567.html'>",
    "<span id='titletextonly'>",
    "</span>",
    "<div class='price'>$",
    "<script type='application/ld+json' id='ld_searchpage_results'>{\"itemListElement\":[{",
    "<p class='postinginfo'>post id: 1234567</p>",
    "<time datetime='2023-13-99T99:00:00-0500'>",
    "<div id='map' data-latitude='nan' data-longitude='1e999'>",
    "<section id='postingbody'>",
    "<div class='result' id='lid-'><a class='business-name'>",
    "<div class='result-rating five'>",
    "<div role='feed'><div><div jsaction='x'>",
    "<a href='https://www.google.com/maps/place/x/data=!1s0x1:0x2!3d91!4d-181'>",
    "<form action='https://consent.google.com/save'>",
    "<!--",
    "<![CDATA[",
    "\x00",
    "&#0;",
    "&amp",
    "<",
    ">",
    '"',
    "'",
]

html_text = st.one_of(
    st.text(max_size=2000),
    st.lists(st.one_of(st.sampled_from(TAGS), st.text(max_size=40)), max_size=60).map("".join),
    st.tuples(st.sampled_from(REAL), st.integers(0, 6000), st.text(max_size=50)).map(
        lambda t: t[0][: t[1]] + t[2] + t[0][t[1] :]
    ),
)

SOURCES = [
    CraigslistSource(Settings(_env_file=None)),
    YellowPagesSource(Settings(_env_file=None)),
    GoogleMapsSource(Settings(_env_file=None)),
    DeclarativeSource(
        {
            "name": "d",
            "list_url": "http://h/{page}",
            "item": "li",
            "fields": {"title": "a", "url": "a @href", "rating": "@data-r"},
        }
    ),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=html_text)
def test_malformed_html_yields_a_permanent_error_or_fewer_fields(html):
    for source in SOURCES:
        try:
            page = source.parse_search(html, "http://127.0.0.1/search")
        except PermanentError:
            pass
        except Exception as exc:  # SourceBlocked is the only other allowed outcome
            assert type(exc).__name__ == "SourceBlocked", exc
        else:
            assert all(listing.external_id for listing in page.listings)
    place = "http://127.0.0.1/maps/place/x/data=!1s0x1:0x2"
    detail_parsers = [
        lambda: SOURCES[0].parse_posting(html, "http://127.0.0.1/a/1234567.html"),
        lambda: SOURCES[2].parse_detail(html, place, Listing("google-maps", "0x1:0x2", place, None)),
    ]
    for parse in detail_parsers:
        try:
            parse()
        except PermanentError:
            pass
        except Exception as exc:
            assert type(exc).__name__ == "SourceBlocked", exc


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=500))
def test_text_extractors_never_crash(text):
    find_emails(text), find_phones(text), find_urls(text), parse_price(text)


@pytest.mark.parametrize(
    "hostile",
    ["a" * 200_000, "a." * 100_000, ("x" * 64 + "@") * 3000, "http://" + "a" * 200_000, "1," * 100_000],
)
def test_text_scans_of_hostile_input_finish_quickly(hostile):
    started = time.perf_counter()
    find_emails(hostile), find_urls(hostile), parse_price(hostile)
    # Linear scans take milliseconds; catastrophic backtracking would take minutes.
    assert time.perf_counter() - started < 2.0


def test_prices_and_currencies_are_read_not_guessed():
    assert parse_price("$1,250") == (1250.0, None)
    assert parse_price("£40") == (40.0, "GBP")
    assert parse_price("free") == (None, None)
