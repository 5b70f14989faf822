"""Fixtures the scrape and leads tests share; each conftest imports them from here.

``sample_site`` is a real HTTP server on 127.0.0.1 serving the saved pages
(leadq.scrape.samplesite); ``cli_env`` points `leadq`'s own settings (env
vars) at the test's database with the embedded broker.
"""

from __future__ import annotations

import pytest

from leadq.scrape.samplesite import SampleSite, serve
from leadq.settings import Settings, get_settings
from leadq.sources.fetch import PoliteFetcher
from tests.conftest import FIXTURES


@pytest.fixture
def sample_site():
    """Yields (site, base URL); the site records every request it gets."""
    site = SampleSite(FIXTURES)
    server = serve(site)
    PoliteFetcher.forget_robots()
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _cli_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    """Point the CLI's settings (environment) at the test's database with the embedded broker."""
    monkeypatch.setenv("LEADQ_BROKER", "embedded")
    monkeypatch.setenv("LEADQ_DATA_DIR", str(settings.data_dir))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The CLI's settings on the test's database, embedded broker, private URLs allowed."""
    yield _cli_settings(settings, monkeypatch, LEADQ_ALLOW_PRIVATE_URLS="1")
    get_settings.cache_clear()


@pytest.fixture
def guarded_cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """``cli_env`` with the lead URL guard on (the default), and tables wide enough to read."""
    yield _cli_settings(settings, monkeypatch, COLUMNS="200")
    get_settings.cache_clear()


def directory_spec(path, base: str):
    """A declarative source file ("mydir") for the sample site's Yellow Pages search at ``base``."""
    path.write_text(f"""
name = "mydir"
list_url = "{base}/search?search_terms={{query}}"
item = ".search-results .result"
next_page = ".pagination a.next @href"
[fields]
title = "a.business-name"
url = "a.business-name @href"
external_id = "@id"
phone = ".phones"
website = "a.track-visit-website @href"
""")
    return path
