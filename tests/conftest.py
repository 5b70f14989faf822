"""Shared fixtures: settings on a temporary SQLite, and the private test Redis.

Real services only. A test that needs Redis or Postgres is skipped on a laptop
without them, but fails under CI=true so a missing service is never silent.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from leadq.settings import Settings, get_settings

FIXTURES = Path(__file__).parent / "fixtures"


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required under CI (run the suite through scripts/test)")
    pytest.skip(f"{what} not available; run scripts/test")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own LEADQ_* variables or .env."""
    for name in list(os.environ):
        if name.startswith("LEADQ_") and not name.startswith("LEADQ_TEST_"):
            monkeypatch.delenv(name)
    # No internet here: an email domain lookup would wait for a resolver that never
    # answers. Tests of the check turn it on against their own DNS server on loopback.
    monkeypatch.setenv("LEADQ_EMAIL_CHECK_DELIVERABILITY", "false")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """``env(LEADQ_X="…")``: point the CLI's settings (read from the environment) at temp
    storage, plus the given variables. Modules with CLI fixtures of their own override it."""

    def apply(**values: str) -> None:
        monkeypatch.setenv("LEADQ_DATA_DIR", str(tmp_path / "data"))
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded broker and a fresh SQLite database in a temporary data dir."""
    return Settings(broker="embedded", data_dir=tmp_path / "data", allow_private_urls=True)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("LEADQ_TEST_REDIS_URL")
    if not url:
        _missing("the private test Redis (LEADQ_TEST_REDIS_URL)")
    return url


@pytest.fixture
def redis_settings(tmp_path: Path, redis_url: str):
    """Redis broker on the private test Redis, in a namespace of its own."""
    import redis

    namespace = f"leadq-test-{uuid.uuid4().hex[:12]}"
    yield Settings(
        broker="redis",
        redis_url=redis_url,
        namespace=namespace,
        data_dir=tmp_path / "data",
        allow_private_urls=True,
    )
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("LEADQ_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("LEADQ_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture
def postgres_settings(settings: Settings, postgres_url: str):
    """``settings`` on Postgres, in a schema of its own that is dropped afterwards."""
    from sqlalchemy import create_engine, text

    schema = f"leadq_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield settings.model_copy(update={"database_url": f"{postgres_url}?options=-csearch_path%3D{schema}"})
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def chat():
    """The local Chat Completions server (tests/ai/chat_server.py) for any domain's AI tests;
    the SDK clients pointing at it are dropped afterwards."""
    from leadq.ai import llm
    from tests.ai.chat_server import ChatServer

    server = ChatServer()
    yield server
    server.close()
    llm.forget_clients()
