"""Politeness: robots.txt, per-host rate limit, User-Agent, typed HTTP errors."""

from __future__ import annotations

import pytest

from leadq.core.broker import setup_broker
from leadq.errors import Deferred, PermanentError, TransientError, UrlRefused, UserError
from leadq.sources.fetch import PoliteFetcher, RobotsDisallowed, check_reachable, waiting_rate_limit


@pytest.fixture
def embedded(settings):
    """Embedded broker (in-memory rate limiter) and a limit loose enough for robots + a page."""
    fast = settings.model_copy(update={"scrape_rate_limit": 50})
    setup_broker(fast, inline=True)
    return fast


def test_pages_are_fetched_with_the_configured_user_agent(embedded, sample_site):
    site, base = sample_site
    settings = embedded.model_copy(update={"user_agent": "leadq-test/1 (+mailto:ops@example.invalid)"})
    fetcher = PoliteFetcher(settings)
    assert "Solar tea light" in fetcher.get_text(f"{base}/nos/for/d/x/7692736931.html")
    assert [path for _, path, _ in site.requests] == ["/robots.txt", "/nos/for/d/x/7692736931.html"]
    assert {agent for _, _, agent in site.requests} == {"leadq-test/1 (+mailto:ops@example.invalid)"}


def test_robots_txt_disallow_is_a_permanent_refusal_unless_ignored(embedded, sample_site):
    site, base = sample_site
    site.robots = "User-agent: *\nDisallow: /search/\n"
    with pytest.raises(RobotsDisallowed, match="robots.txt"):
        PoliteFetcher(embedded).get_text(f"{base}/search/sks")
    assert "cl-search-result" in PoliteFetcher(embedded, ignore_robots=True).get_text(f"{base}/search/sks")
    assert [path for _, path, _ in site.requests] == ["/robots.txt", "/search/sks"]


def _robots_verdicts(settings, site, base: str, robots: str, paths: list[str]) -> dict[str, bool]:
    """For each path, whether leadq's fetch path was allowed to fetch it under ``robots``."""
    site.robots = robots
    fetcher = PoliteFetcher(settings)
    verdicts = {}
    for path in paths:
        try:
            fetcher.get_text(f"{base}{path}")
            verdicts[path] = True
        except RobotsDisallowed:
            verdicts[path] = False
        except PermanentError:  # allowed by robots.txt, but the site has no such page
            verdicts[path] = True
    return verdicts


def test_robots_txt_wildcards_match_inside_the_path_and_query(embedded, sample_site):
    site, base = sample_site
    robots = "User-agent: *\nDisallow: /*?q=\n"
    verdicts = _robots_verdicts(embedded, site, base, robots, ["/maps?q=plumber", "/maps/search/plumbers"])
    assert verdicts == {"/maps?q=plumber": False, "/maps/search/plumbers": True}
    assert [path for _, path, _ in site.requests] == ["/robots.txt", "/maps/search/plumbers"]


def test_robots_txt_dollar_anchors_a_rule_at_the_end_of_the_url(embedded, sample_site):
    site, base = sample_site
    posting = "/nos/for/d/x/7692736931.html"
    robots = "User-agent: *\nDisallow: /*.html$\n"
    verdicts = _robots_verdicts(embedded, site, base, robots, [posting, f"{posting}?lang=en"])
    assert verdicts == {posting: False, f"{posting}?lang=en": True}


def test_robots_txt_longest_match_wins_whatever_the_rule_order(embedded, sample_site):
    site, base = sample_site
    # First-match parsers (urllib.robotparser) stop at the Disallow; RFC 9309 picks the longest.
    robots = "User-agent: *\nDisallow: /search\nAllow: /search/sks\n"
    paths = ["/search/sks", "/search/hhh", "/search?page=2"]
    verdicts = _robots_verdicts(embedded, site, base, robots, paths)
    assert verdicts == {"/search/sks": True, "/search/hhh": False, "/search?page=2": False}


def test_robots_txt_group_for_leadq_overrides_the_catch_all(embedded, sample_site):
    site, base = sample_site
    settings = embedded.model_copy(update={"user_agent": "leadq/0.1 (+mailto:ops@example.invalid)"})
    robots = "User-agent: *\nDisallow: /\n\nUser-agent: leadq\nAllow: /search/\nDisallow: /\n"
    verdicts = _robots_verdicts(settings, site, base, robots, ["/search/sks", "/maps/search/plumbers"])
    assert verdicts == {"/search/sks": True, "/maps/search/plumbers": False}


def test_a_missing_robots_txt_allows_everything(embedded, sample_site):
    site, base = sample_site
    site.robots = None
    assert "cl-search-result" in PoliteFetcher(embedded).get_text(f"{base}/search/sks")


def test_one_off_fetches_wait_for_the_limit_instead_of_deferring(embedded, sample_site):
    site, base = sample_site
    slow = embedded.model_copy(update={"scrape_rate_limit": 1})
    fetcher = PoliteFetcher(slow, limiter=waiting_rate_limit)
    fetcher.get_text(f"{base}/search/sks")
    fetcher.get_text(f"{base}/search/sks")
    seconds = [int(at) for at, _, _ in site.requests]
    assert len(seconds) == 3 and len(set(seconds)) == 3  # robots + 2 pages, one per second


def test_more_requests_than_the_host_limit_are_deferred_not_failed(embedded, sample_site):
    _site, base = sample_site
    settings = embedded.model_copy(update={"scrape_rate_limit": 2, "scrape_respect_robots": False})
    fetcher = PoliteFetcher(settings)
    fetcher.get_text(f"{base}/search/sks")
    fetcher.get_text(f"{base}/search/sks")
    with pytest.raises(Deferred):
        for _ in range(3):  # a window boundary may free one slot; three more cannot all fit
            fetcher.get_text(f"{base}/search/sks")


def test_http_errors_are_typed(embedded, sample_site):
    _site, base = sample_site
    fetcher = PoliteFetcher(embedded.model_copy(update={"scrape_respect_robots": False}))
    with pytest.raises(PermanentError, match="404"):
        fetcher.get_text(f"{base}/nothing-here")
    with pytest.raises(TransientError):
        fetcher.get_text("http://127.0.0.1:1/closed-port")


def test_private_hosts_are_refused_except_the_configured_base_url(sample_site, settings):
    _site, base = sample_site
    strict = settings.model_copy(
        update={"allow_private_urls": False, "scrape_respect_robots": False, "scrape_rate_limit": 50}
    )
    setup_broker(strict, inline=True)
    with pytest.raises(UrlRefused):
        PoliteFetcher(strict).get_text(f"{base}/search/sks")
    assert "cl-search-result" in PoliteFetcher(strict, trusted_origin=base).get_text(f"{base}/search/sks")


def test_an_unreachable_host_is_a_one_line_user_error(settings):
    with pytest.raises(UserError, match="cannot reach 127.0.0.1:1 .*sample-site"):
        check_reachable("http://127.0.0.1:1/search/sks", settings)
