"""CLI tests run `leadq` in-process on the embedded broker and the test's SQLite."""

from __future__ import annotations

import pytest

from leadq.settings import Settings, get_settings


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the CLI's own settings (env vars) at the test's database, embedded broker."""
    monkeypatch.setenv("LEADQ_BROKER", "embedded")
    monkeypatch.setenv("LEADQ_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LEADQ_ALLOW_PRIVATE_URLS", "1")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
