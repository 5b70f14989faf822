"""crawl_site against a real HTTP server serving the fixture site."""

from __future__ import annotations

import socket

import pytest
from requests.adapters import HTTPAdapter

from leadq.enrich.crawl import crawl_site, page_priority
from leadq.enrich.report import PageResult
from leadq.errors import TransientError, UrlRefused
from leadq.net import HttpClient
from leadq.settings import Settings


@pytest.fixture
def client(settings: Settings):
    client = HttpClient(settings)
    yield client
    client.close()


@pytest.fixture
def guarded_client(tmp_path):
    client = HttpClient(Settings(data_dir=tmp_path, allow_private_urls=False))
    yield client
    client.close()


def read(
    url: str, *, final_url: str | None = None, redirects: list[str] = (), error: str | None = None
) -> dict:
    """A fetched page as as_signals() lists it."""
    return {
        "url": url,
        "final_url": final_url or url,
        "status": 200,
        "redirects": list(redirects),
        "error": error,
    }


def test_the_crawl_reads_home_then_contact_and_about_pages_first(fixture_site, client):
    report = crawl_site(fixture_site.url, client=client, max_pages=3)

    assert fixture_site.paths == ["/", "/contact/", "/about/"]
    assert [page.url for page in report.pages] == [
        f"{fixture_site.url}{path}" for path in ("", "contact/", "about/")
    ]


def test_the_crawl_merges_every_page_and_records_bad_ones(fixture_site, client):
    base = fixture_site.url
    elsewhere = f"http://localhost:{fixture_site.port}/contact/"
    report = crawl_site(base, client=client, max_pages=10)

    assert fixture_site.paths == [
        "/",
        "/contact/",
        "/about/",
        "/services/",
        "/moved",
        "/services/",
        "/missing/",
        "/price-list.txt",
        "/book",
        "/contact/",
    ]
    # The home page's link to http://localhost/partner/ is another host: never fetched.
    assert fixture_site.requests[-1] == (f"localhost:{fixture_site.port}", "/contact/")
    assert all(host == f"127.0.0.1:{fixture_site.port}" for host, _ in fixture_site.requests[:-1])
    assert report.pages[4] == PageResult(
        url=base + "moved", final_url=base + "services/", status=200, redirects=[base + "moved"]
    )
    assert report.pages[5] == PageResult(url=base + "missing/", error=f"HTTP 404 from {base}missing/")
    assert report.pages[6].error == "not an HTML page (text/plain; charset=utf-8)"
    assert report.as_signals() == {
        "url": base,
        "final_url": base,
        "reachable": True,
        "https": False,
        "title": "Harbor Landscaping – Boston Lawn Care",
        "emails": [
            "info@harbor-landscaping.com",
            "office@harbor-landscaping.com",
            "jane@harbor-landscaping.com",
            "bookings@harbor-landscaping.com",
            "harborlandscaping@gmail.com",
        ],
        "phones": ["+16175550142", "+16175550188", "+16175550199", "+16175550177"],
        "social": {
            "facebook": "https://www.facebook.com/harborlandscaping",
            "instagram": "https://instagram.com/harbor.landscaping/",
            "yelp": "https://www.yelp.com/biz/harbor-landscaping-boston",
            "linkedin": "https://www.linkedin.com/company/harbor-landscaping",
            "youtube": "https://www.youtube.com/@harborlandscaping",
            "twitter": "https://twitter.com/harborlawns",
            "tiktok": "https://www.tiktok.com/@harborlandscaping",
        },
        "contact_form": True,
        "generator": "WordPress 5.2.4",
        "cms": "WordPress",
        "copyright_year": 2012,
        "viewport": "width=device-width, initial-scale=1",
        "mobile_viewport": True,
        "pages": [
            read(base),
            read(base + "contact/"),
            read(base + "about/"),
            read(base + "services/"),
            read(base + "moved", final_url=base + "services/", redirects=[base + "moved"]),
            {
                "url": base + "missing/",
                "final_url": None,
                "status": None,
                "redirects": [],
                "error": f"HTTP 404 from {base}missing/",
            },
            read(base + "price-list.txt", error="not an HTML page (text/plain; charset=utf-8)"),
            read(
                base + "book",
                final_url=elsewhere,
                redirects=[base + "book"],
                error=f"left the site for {elsewhere}",
            ),
        ],
        "errors": 3,
    }


def test_a_redirected_start_page_records_where_the_site_really_lives(fixture_site, client):
    report = crawl_site(fixture_site.url + "start", client=client, max_pages=1)

    assert report.final_url == fixture_site.url
    assert report.pages[0].redirects == [fixture_site.url + "start"]
    assert report.signals.title == "Harbor Landscaping – Boston Lawn Care"


def test_an_unreachable_site_is_a_report_without_signals_not_an_error(fixture_site, client):
    report = crawl_site(fixture_site.url + "missing/", client=client)

    assert report.reachable is False
    assert report.as_signals()["reachable"] is False
    assert report.as_signals()["errors"] == 1


def test_a_loopback_lead_url_is_refused_before_any_request(fixture_site, guarded_client):
    with pytest.raises(UrlRefused, match="non-public address 127.0.0.1"):
        crawl_site(fixture_site.url, client=guarded_client)

    assert fixture_site.requests == []


def test_a_redirect_to_a_private_address_is_refused(fixture_site, guarded_client):
    # The first hop goes out unchecked, as if it were a public site (a plain
    # adapter for that one URL); the client's redirect guard must still stop
    # the hop to 127.0.0.1 before connecting.
    first_hop = fixture_site.url + "private-redirect"
    guarded_client.session.mount(first_hop, HTTPAdapter())
    with pytest.raises(UrlRefused, match="resolves to non-public address 127.0.0.1"):
        guarded_client.session.get(first_hop, timeout=5)

    assert fixture_site.paths == ["/private-redirect"]


def test_a_start_page_redirecting_off_http_is_refused(fixture_site, client):
    with pytest.raises(UrlRefused, match="only http and https"):
        crawl_site(fixture_site.url + "file-redirect", client=client)


def test_a_start_page_that_cannot_be_reached_now_is_raised_for_a_retry(client):
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(TransientError, match="cannot fetch"):
        crawl_site(f"http://127.0.0.1:{port}/", client=client)


def test_contact_pages_come_before_about_pages_and_the_rest():
    paths = ("kontakt", "about-us/", "impressum", "blog/")

    assert [page_priority(f"https://a.com/{path}") for path in paths] == [0, 1, 1, 2]


def test_a_start_url_without_a_path_is_not_fetched_again_as_its_home_page(fixture_site, client):
    crawl_site(fixture_site.url.rstrip("/"), client=client, max_pages=2)

    assert fixture_site.paths == ["/", "/contact/"]
