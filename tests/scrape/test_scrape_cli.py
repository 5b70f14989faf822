"""`leadq scrape` end to end on the embedded broker against the local fixture server."""

from __future__ import annotations

import json

import pytest
from leadq.cli.app import app
from sqlmodel import func, select
from typer.testing import CliRunner

from leadq.db import session_scope
from leadq.leads.models import Lead, LeadSource
from tests.conftest import FIXTURES
from tests.scrape.shared_fixtures import directory_spec

runner = CliRunner()


@pytest.fixture
def fast_cli(cli_env, monkeypatch):
    """The CLI env with a loose per-host limit: 120 postings at 1/s would take two minutes."""
    monkeypatch.setenv("LEADQ_SCRAPE_RATE_LIMIT", "500")
    from leadq.settings import get_settings

    get_settings.cache_clear()
    return get_settings()


def leadq(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def stored(settings) -> tuple[int, int]:
    with session_scope(settings) as session:
        return (
            session.exec(select(func.count()).select_from(Lead)).one(),
            session.exec(select(func.count()).select_from(LeadSource)).one(),
        )


def test_inline_scrape_stores_every_listing_as_a_lead(fast_cli, sample_site):
    site, base = sample_site
    result = leadq(
        "scrape",
        "--source",
        "craigslist",
        "--site",
        "sfbay",
        "--base-url",
        base,
        "--max",
        "200",
        "--inline",
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    # The saved page holds 120 listings; the second page (s=120) is empty and ends the walk.
    assert (summary["pages"], summary["listings"], summary["new"], summary["errors"]) == (2, 120, 120, 0)
    assert stored(fast_cli) == (120, 120)
    with session_scope(fast_cli) as session:
        lead = session.exec(select(Lead).join(LeadSource).where(LeadSource.external_id == "7692736931")).one()
        assert (lead.name, lead.site, lead.city, lead.latitude) == (
            "Solar tea light",
            "sfbay",
            "Peabody",
            42.5326,
        )
        ref = session.exec(select(LeadSource).where(LeadSource.external_id == "7692736919")).one()
        assert ref.title == "WEN by Chaz Dean Bella Spirit & Classic Set"
        assert (
            ref.data["price"] == 75.0
            and ref.url == f"{base}/sob/hab/d/pembroke-wen-by-chaz-dean-bella-spirit/7692736919.html"
        )
    # robots.txt once per process, two search pages, one request per posting
    paths = [path for _, path, _ in site.requests]
    assert paths.count("/robots.txt") == 1 and len(paths) == 1 + 2 + 120


def test_the_walk_stops_at_the_page_limit(fast_cli, sample_site, monkeypatch):
    _site, base = sample_site
    monkeypatch.setenv("LEADQ_SCRAPE_MAX_PAGES", "1")
    from leadq.settings import get_settings

    get_settings.cache_clear()
    summary = json.loads(leadq("scrape", "--base-url", base, "--inline", "--max", "500", "--json").stdout)
    assert (summary["pages"], summary["listings"]) == (1, 120)


def test_a_second_run_skips_known_listings_without_fetching_them(fast_cli, sample_site):
    site, base = sample_site
    leadq("scrape", "--base-url", base, "--inline", "--max", "30")
    before = len(site.requests)
    result = leadq("scrape", "--base-url", base, "--inline", "--max", "30", "--json")
    summary = json.loads(result.stdout)
    assert (summary["new"], summary["skipped"]) == (0, 30)
    assert len(site.requests) - before == 1  # the search page only
    assert stored(fast_cli) == (30, 30)


def test_wait_shows_a_summary_table(fast_cli, sample_site):
    _site, base = sample_site
    result = leadq("scrape", "--base-url", base, "--inline", "--wait", "--max", "5")
    assert result.exit_code == 0
    assert "listings" in result.stdout and "new" in result.stdout
    assert "│     1 │        5 │   5 │" in result.stdout


def test_status_reports_a_finished_run(fast_cli, sample_site):
    _site, base = sample_site
    leadq("scrape", "--base-url", base, "--inline", "--max", "3")
    data = json.loads(leadq("scrape", "status", "1", "--json").stdout)
    assert (data["run_id"], data["state"], data["new"]) == (1, "searched", 3)
    missing = runner.invoke(app, ["scrape", "status", "99"])
    assert missing.exit_code == 1 and "no scrape run 99" in missing.stderr


def test_a_bad_listing_is_recorded_and_skipped_not_fatal(fast_cli, sample_site):
    site, base = sample_site
    site.gone = {"7692736919"}
    result = runner.invoke(app, ["scrape", "--base-url", base, "--inline", "--wait", "--max", "5"])
    assert result.exit_code == 0
    assert "1 listing(s) failed and were skipped" in result.stderr and "HTTP 404" in result.stderr
    assert "Traceback" not in result.output
    assert stored(fast_cli) == (4, 4)


def test_a_blocked_search_exits_non_zero_saying_so(fast_cli, sample_site):
    site, base = sample_site
    site.blocked = True
    result = runner.invoke(app, ["scrape", "--base-url", base, "--inline"])
    assert result.exit_code == 1
    assert "blocked this IP" in result.stderr and "Traceback" not in result.output
    assert stored(fast_cli) == (0, 0)


def test_an_unreachable_site_is_one_line_and_exit_1(fast_cli):
    result = runner.invoke(app, ["scrape", "--base-url", "http://127.0.0.1:1", "--inline", "--wait"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "cannot reach 127.0.0.1:1" in result.stderr


def test_yellowpages_pages_are_walked_and_leads_merge_on_domain(fast_cli, sample_site):
    _site, base = sample_site
    result = leadq(
        "scrape",
        "--source",
        "yellowpages",
        "--query",
        "landscaping",
        "--site",
        "San Francisco, CA",
        "--base-url",
        base,
        "--inline",
        "--json",
    )
    summary = json.loads(result.stdout)
    assert (summary["pages"], summary["listings"], summary["new"], summary["merged"]) == (2, 5, 4, 1)
    assert stored(fast_cli) == (4, 5)


def test_a_declarative_source_file_scrapes_without_code(fast_cli, sample_site, tmp_path):
    _site, base = sample_site
    spec = directory_spec(tmp_path / "yp.toml", base)
    result = leadq("scrape", "--source-file", str(spec), "--query", "landscaping", "--inline", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["new"] == 4  # the fifth merges on its website domain
    with session_scope(fast_cli) as session:
        refs = session.exec(select(LeadSource).where(LeadSource.source == "mydir")).all()
    assert sorted(ref.external_id for ref in refs) == [
        "lid-461927731",
        "lid-477003981",
        "lid-488120077",
        "lid-499810722",
        "lid-502114356",
    ]


def test_an_invalid_source_file_is_one_clear_line(fast_cli, tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text("name = 'x'\nlist_url = 'http://h/'\nitem = 'li'\n[fields]\ncolour = 'b'\n")
    result = runner.invoke(app, ["scrape", "--source-file", str(spec), "--inline"])
    assert result.exit_code == 1 and "fields.colour: unknown field" in result.stderr


def test_linkedin_is_refused(fast_cli):
    result = runner.invoke(app, ["scrape", "--source", "linkedin", "--inline"])
    assert result.exit_code == 1 and "deliberately not a source" in result.stderr


def test_ignore_robots_warns(fast_cli, sample_site):
    site, base = sample_site
    site.robots = "User-agent: *\nDisallow: /\n"
    result = runner.invoke(
        app, ["scrape", "--base-url", base, "--inline", "--max", "2", "--ignore-robots", "--json"]
    )
    assert "--ignore-robots" in result.stderr
    assert json.loads(result.stdout)["new"] == 2


def test_parse_prints_a_posting_as_json_with_the_contract_fields(fast_cli):
    result = leadq(
        "scrape",
        "parse",
        "--page",
        "posting",
        "--json",
        str(FIXTURES / "craigslist" / "craigslist-result-details-no-price-sample.html"),
    )
    data = json.loads(result.stdout)
    for key in (
        "source",
        "external_id",
        "url",
        "title",
        "price",
        "currency",
        "location",
        "latitude",
        "longitude",
        "posted_at",
        "updated_at",
        "body",
        "phones",
        "emails",
        "attributes",
    ):
        assert key in data
    assert (data["price"], data["currency"], data["phones"]) == (None, None, ["+18022220394"])


def test_parse_reads_a_search_page_from_a_url(fast_cli, sample_site):
    _site, base = sample_site
    result = leadq("scrape", "parse", "--json", f"{base}/search/sss")
    listings = json.loads(result.stdout)
    assert len(listings) == 120
    assert {"external_id", "url", "title", "price", "currency", "location"} <= set(listings[0])


def test_parse_of_a_missing_file_is_a_user_error(fast_cli):
    result = runner.invoke(app, ["scrape", "parse", "nope.html"])
    assert result.exit_code == 1 and "cannot read nope.html" in result.stderr


def test_sources_lists_every_source_with_its_settings(fast_cli):
    data = json.loads(leadq("scrape", "sources", "--json").stdout)
    names = [row["name"] for row in data]
    assert names[:3] == ["craigslist", "google-maps", "yellowpages"] and "linkedin" in names
    assert data[0]["settings"] == {"craigslist_base_url": "https://<site>.craigslist.org"}
    assert data[1]["settings"]["google_maps_base_url"] == "https://www.google.com/maps"
