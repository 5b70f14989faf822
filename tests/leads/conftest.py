"""Leads tests: the CLI on the test database, and the local server for enrichment."""

from tests.dns_server import local_dns  # noqa: F401
from tests.scrape.shared_fixtures import cli_env, sample_site  # noqa: F401
