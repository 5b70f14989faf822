"""Google Maps in real headless Chromium against a local script page that renders like Maps.

The fixture (tests/fixtures/google_maps/app.html, served by the sample site on
127.0.0.1) builds its results feed and place panels in the browser, three
places per scroll, so only a real browser can read it. Every Chromium test
also checks that no Chromium or chromedriver process outlives it.
"""

from __future__ import annotations

import json

import psutil
import pytest
from leadq.cli.app import app
from sqlmodel import select
from typer.testing import CliRunner

from leadq.browser import BrowserUnavailable
from leadq.core.broker import setup_broker
from leadq.core.inline import run_until_idle
from leadq.db import session_scope
from leadq.errors import TransientError
from leadq.leads.models import Lead, LeadSource
from leadq.scrape.runs import create_run, get_run
from leadq.settings import Settings, get_settings
from leadq.sources.base import SearchQuery, SourceBlocked
from leadq.sources.browser import Browser
from leadq.sources.fetch import PoliteFetcher, RobotsDisallowed, waiting_rate_limit
from leadq.sources.google_maps import GoogleMapsSource, coordinates, place_id
from tests.conftest import FIXTURES
from tests.scrape.shared_fixtures import cli_env, sample_site  # noqa: F401

runner = CliRunner()
BEACON = "0x89e3709e8a7f0d0b:0x5c1b3a9b3f0c2e11"
FENWAY = "0x89e379f5b1c2d3e4:0x1a2b3c4d5e6f7081"
PENA = "0x89e37b1f00aa11bb:0x22cc33dd44ee55ff"
BACK_BAY = "0x89e37a0d6f5e4d3c:0x7a8b9c0d1e2f3a4b"
NORTH_END = "0x89e3708c1d2e3f40:0x5b6c7d8e9f0a1b2c"


def fixture_page(name: str) -> str:
    return (FIXTURES / "google_maps" / name).read_text(encoding="utf-8")


# -- pure parsing (no browser) ------------------------------------------------------


def test_place_urls_give_ids_and_the_pin_before_the_map_centre():
    url = (
        "https://www.google.com/maps/place/Beacon+Hill+Plumbing/@42.1,-71.2,17z/data=!4m7!3m6"
        f"!1s{BEACON}!8m2!3d42.3588211!4d-71.0707115!16s%2Fg%2F11c5!19sChIJCw1_ip5w44kREf4MP5s6G1w"
    )
    assert place_id(url) == BEACON
    assert coordinates(url) == (42.3588211, -71.0707115)
    assert coordinates("https://www.google.com/maps/place/X/@42.3647,-71.0542,17z") == (42.3647, -71.0542)
    assert place_id("https://www.google.com/maps/place/X/data=!19sChIJCw1_ip5w44kREf4M") == (
        "ChIJCw1_ip5w44kREf4M"
    )
    assert coordinates("https://www.google.com/maps/place/X") == (None, None)


def test_live_place_links_are_mapped_onto_the_configured_base_url():
    source = GoogleMapsSource(Settings(_env_file=None, google_maps_base_url="http://127.0.0.1:9/maps"))
    html = (
        '<div role="feed"><div><div jsaction="pane"><a aria-label="A &amp; B" '
        f'href="https://www.google.com/maps/place/A/data=!1s{BEACON}?hl=en"></a></div></div>'
        '<div><div jsaction="pane"><a href="https://www.google.com/maps/dir/x">route</a></div></div></div>'
    )
    [listing] = source.parse_search(html, "http://127.0.0.1:9/maps/search/a?hl=en").listings
    assert (listing.external_id, listing.title) == (BEACON, "A & B")
    assert listing.url == f"http://127.0.0.1:9/maps/place/A/data=!1s{BEACON}?hl=en"


def test_search_url_needs_a_query_and_asks_for_english_labels():
    source = GoogleMapsSource(Settings(_env_file=None))
    url = source.search_url(SearchQuery(query="plumber", location="Boston, MA"))
    assert url == "https://www.google.com/maps/search/plumber+in+Boston%2C+MA?hl=en"


@pytest.mark.parametrize("page", ["consent.html", "sorry.html"])
def test_consent_and_captcha_pages_are_blocks_not_empty_results(page):
    source = GoogleMapsSource(Settings(_env_file=None))
    with pytest.raises(SourceBlocked):
        source.parse_search(fixture_page(page), "https://www.google.com/maps/search/plumber")


# -- real Chromium ------------------------------------------------------------------


@pytest.fixture
def maps(sample_site, settings: Settings):  # noqa: F811 - the shared fixture
    """(sample site, source on it, settings with a loose rate limit and the embedded broker)."""
    site, base = sample_site
    fast = settings.model_copy(update={"scrape_rate_limit": 100, "google_maps_base_url": f"{base}/maps"})
    setup_broker(fast, inline=True)
    return site, GoogleMapsSource(fast), fast


def fetcher_for(settings: Settings, **options) -> PoliteFetcher:
    return PoliteFetcher(settings, limiter=waiting_rate_limit, **options)


@pytest.mark.chromium
def test_the_feed_is_scrolled_only_until_the_budget_is_loaded(maps, own_browsers):
    site, source, settings = maps
    url = source.search_url(SearchQuery(query="plumber", location="Boston, MA"))
    fetcher = fetcher_for(settings)
    try:
        few = source.parse_search(source.fetch_search(url, fetcher, budget=4), url).listings
        everything = source.parse_search(source.fetch_search(url, fetcher, budget=100), url).listings
    finally:
        fetcher.close()
    # Three places per scroll: a budget of 4 needs one scroll (6 places), not the whole list.
    assert [listing.title for listing in few] == [
        "Beacon Hill Plumbing",
        "Fenway Drain & Sewer",
        "Plomería Peña & Hijos",
        "Back Bay Heating & Cooling",
        "North End Pipe Works",
        "Charlestown Rooter",
    ]
    assert len(everything) == 9 and everything[2].external_id == PENA
    assert everything[0].url.startswith(f"{source.base_url}/place/Beacon+Hill+Plumbing/data=")
    # Page loads are counted for the per-host limit: robots.txt and two searches.
    assert [path for _, path, _ in site.requests if "/maps/" in path] == [
        "/maps/search/plumber+in+Boston%2C+MA?hl=en"
    ] * 2


@pytest.mark.chromium
def test_the_consent_page_is_a_block_and_the_browser_is_closed(maps, own_browsers):
    site, source, settings = maps
    site.maps_block = "consent"
    fetcher = fetcher_for(settings)
    try:
        with pytest.raises(SourceBlocked, match="consent page"):
            url = source.search_url(SearchQuery(query="plumber"))
            source.parse_search(source.fetch_search(url, fetcher, budget=10), url)
    finally:
        fetcher.close()


@pytest.mark.chromium
def test_robots_txt_is_honoured_unless_ignored(maps, own_browsers):
    site, source, settings = maps
    site.robots = "User-agent: *\nDisallow: /maps/\n"
    url = source.search_url(SearchQuery(query="plumber"))
    fetcher = fetcher_for(settings)
    try:
        with pytest.raises(RobotsDisallowed):
            source.fetch_search(url, fetcher, budget=3)
    finally:
        fetcher.close()
    assert not any("/maps/" in path for _, path, _ in site.requests)
    fetcher = fetcher_for(settings, ignore_robots=True)
    try:
        assert len(source.parse_search(source.fetch_search(url, fetcher, budget=3), url).listings) == 3
    finally:
        fetcher.close()


@pytest.mark.chromium
def test_a_crashed_chromedriver_still_leaves_no_chromium_behind(maps, own_browsers):
    _, source, settings = maps
    browser = Browser(settings)
    driver = browser.load(f"{source.base_url}/search/plumber")
    assert len(psutil.Process(driver.service.process.pid).children(recursive=True)) > 1
    driver.service.process.kill()  # quit() cannot reach the driver now; close() kills the tree
    browser.close()


@pytest.mark.chromium
def test_a_job_stopped_by_its_time_limit_leaves_no_chromium_behind(maps, own_browsers):
    _, source, settings = maps
    from leadq.actors.scrape import scrape_search

    with session_scope(settings) as session:
        run_id = create_run(source.name, SearchQuery(query="plumber"), session=session).id
    # A place URL renders no results feed: the job waits for one until its time limit stops it.
    url = f"{source.base_url}/place/Nowhere/data=!1s0x0:0x0"
    scrape_search.send_with_options(args=(run_id, url, 5), time_limit=1500, max_retries=0)
    run_until_idle(timeout=30)
    with session_scope(settings) as session:
        run = get_run(run_id, session=session)
        assert (run.state, run.message, run.pages) == ("failed", "TimeLimitExceeded", 0)


@pytest.mark.chromium
def test_a_missing_or_failing_chromium_is_a_clear_error_and_leaves_nothing(settings, own_browsers):
    with pytest.raises(BrowserUnavailable, match="apt-get install chromium"):
        Browser(settings.model_copy(update={"chromium_path": "/nonexistent/chromium"})).start()
    broken = Browser(settings.model_copy(update={"chromium_path": "/bin/false"}))
    with pytest.raises(TransientError, match="did not start"):
        broken.start()
    assert broken.driver is None and broken.profile_dir is None


def leads_by_place(settings: Settings) -> dict[str, tuple[Lead, LeadSource]]:
    with session_scope(settings) as session:
        rows = session.exec(select(Lead, LeadSource).where(LeadSource.lead_id == Lead.id)).all()
        for lead, ref in rows:
            session.expunge(lead), session.expunge(ref)
    return {ref.external_id: (lead, ref) for lead, ref in rows}


@pytest.fixture
def maps_cli(cli_env, sample_site, monkeypatch):  # noqa: F811 - the shared fixtures
    """The CLI on the test database with a loose rate limit; yields (site, Maps base URL)."""
    monkeypatch.setenv("LEADQ_SCRAPE_RATE_LIMIT", "100")
    monkeypatch.setenv("LEADQ_BROWSER_MAX_PER_PROCESS", "4")
    get_settings.cache_clear()
    site, base = sample_site
    yield site, f"{base}/maps"
    get_settings.cache_clear()


def scrape(base: str, *extra: str):
    args = ["scrape", "--source", "google-maps", "--query", "plumber", "--location", "Boston, MA"]
    return runner.invoke(app, [*args, "--base-url", base, "--inline", "--json", *extra])


@pytest.mark.chromium
def test_inline_scrape_stores_the_first_max_places_with_exact_fields(maps_cli, own_browsers):
    site, base = maps_cli
    result = scrape(base, "--max", "5")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["pages"], summary["listings"], summary["new"], summary["errors"]) == (1, 5, 5, 0)
    # --max bounds the places opened: five place pages, although the feed loaded six.
    assert len([path for _, path, _ in site.requests if "/maps/place/" in path]) == 5
    leads = leads_by_place(get_settings())
    assert set(leads) == {BEACON, FENWAY, PENA, BACK_BAY, NORTH_END}
    beacon, ref = leads[BEACON]
    assert (beacon.name, beacon.category, beacon.phone, beacon.website) == (
        "Beacon Hill Plumbing",
        "Plumber",
        "+16175550142",
        "https://beaconhillplumbing.example/",
    )
    assert (beacon.address, beacon.city, beacon.region, beacon.postal_code, beacon.country) == (
        "52 Charles St",
        "Boston",
        "MA",
        "02114",
        "US",
    )
    assert (beacon.latitude, beacon.longitude, beacon.rating, beacon.review_count) == (
        42.3588211,
        -71.0707115,
        4.7,
        312,
    )
    assert ref.data["plus_code"] == "9WVX+G8 Boston, Massachusetts"
    assert ref.data["address"] == "52 Charles St, Boston, MA 02114"
    assert ref.data["opening_hours"] == {
        "Monday": "7 AM–6 PM",
        "Tuesday": "7 AM–6 PM",
        "Wednesday": "7 AM–6 PM",
        "Thursday": "7 AM–6 PM",
        "Friday": "7 AM–5 PM",
        "Saturday": "9 AM–1 PM",
        "Sunday": "Closed",
    }
    fenway, _ = leads[FENWAY]  # no website; a review count with a thousands separator
    assert (fenway.name, fenway.website, fenway.phone, fenway.review_count) == (
        "Fenway Drain & Sewer",
        None,
        "+16175550177",
        1084,
    )
    pena, pena_ref = leads[PENA]  # unicode name, no opening hours
    assert (pena.name, pena.city, pena.website, pena.rating) == (
        "Plomería Peña & Hijos",
        "Dorchester",
        "https://plomeriapena.example/es/",
        4.9,
    )
    assert pena_ref.data["opening_hours"] is None
    back_bay, _ = leads[BACK_BAY]  # no phone
    assert (back_bay.phone, back_bay.category, back_bay.website) == (
        None,
        "HVAC contractor",
        "http://backbayheating.example/",
    )
    north_end, north_ref = leads[NORTH_END]  # no rating, coordinates from the "@lat,lng" centre
    assert (north_end.latitude, north_end.longitude, north_end.rating, north_end.review_count) == (
        42.3647,
        -71.0542,
        None,
        None,
    )
    assert north_ref.url.startswith(f"{base}/place/North+End+Pipe+Works/@42.3647,-71.0542,17z/data=")


@pytest.mark.chromium
def test_a_consent_page_ends_the_scrape_saying_so(maps_cli, own_browsers):
    site, base = maps_cli
    site.maps_block = "consent"
    result = scrape(base)
    assert result.exit_code == 1
    assert "consent page" in result.stderr and "Traceback" not in result.output
    assert leads_by_place(get_settings()) == {}


@pytest.mark.chromium
def test_parse_renders_a_place_url_in_chromium(maps_cli, own_browsers):
    _, base = maps_cli
    place = f"{base}/place/Back+Bay/data=!4m7!3m6!1s{BACK_BAY}!8m2!3d42.35033!4d-71.08097"
    result = runner.invoke(
        app, ["scrape", "parse", "--source", "google-maps", "--page", "listing", place, "--json"]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert (record["name"], record["external_id"], record["phones"]) == (
        "Back Bay Heating & Cooling",
        BACK_BAY,
        [],
    )
    assert (record["latitude"], record["longitude"]) == (42.35033, -71.08097)
