"""Scrape tests: a local HTTP server with the saved pages, and the CLI on the test database."""

from tests.scrape.shared_fixtures import cli_env, guarded_cli_env, sample_site  # noqa: F401
