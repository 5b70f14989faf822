"""Fixtures for operations tests: running the real CLI against a given Settings."""

from __future__ import annotations

import pytest
from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.settings import Settings, get_settings


def settings_env(settings: Settings) -> dict[str, str]:
    """The LEADQ_* variables that make a fresh process (or get_settings()) equal ``settings``."""
    env = {
        "LEADQ_BROKER": settings.broker,
        "LEADQ_NAMESPACE": settings.namespace,
        "LEADQ_DATA_DIR": str(settings.data_dir),
        "LEADQ_ALLOW_PRIVATE_URLS": "true",
    }
    if settings.redis_url:
        env["LEADQ_REDIS_URL"] = settings.redis_url
    if settings.database_url:
        env["LEADQ_DATABASE_URL"] = settings.database_url
    return env


@pytest.fixture
def use_settings(monkeypatch: pytest.MonkeyPatch):
    """Point get_settings() (what CLI commands read) at the given settings."""

    def apply(settings: Settings, **extra: str) -> Settings:
        for name, value in {**settings_env(settings), **extra}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        return get_settings()

    yield apply
    get_settings.cache_clear()


@pytest.fixture
def leadq():
    """Invoke the real `leadq` CLI in-process; returns the click Result."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke
