"""A real HTTP server on 127.0.0.1 serving the saved pages (leadq.scrape.samplesite)."""

from __future__ import annotations

import pytest

from leadq.scrape.fetch import PoliteFetcher
from leadq.scrape.samplesite import SampleSite, serve
from tests.conftest import FIXTURES
from tests.leads.conftest import cli_env  # noqa: F401 - shared fixture


@pytest.fixture
def sample_site():
    """Yields (site, base URL); the site records every request it gets."""
    site = SampleSite(FIXTURES)
    server = serve(site)
    PoliteFetcher.forget_robots()
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
