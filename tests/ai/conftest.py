"""The AI tests' local Chat Completions server and settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from leadq.ai import llm
from leadq.settings import Settings
from tests.scrape.shared_fixtures import cli_env  # noqa: F401

from .chat_server import ChatServer


@pytest.fixture
def chat() -> Iterator[ChatServer]:
    server = ChatServer()
    yield server
    server.close()
    llm.forget_clients()


@pytest.fixture
def ai_settings(settings: Settings, chat: ChatServer) -> Settings:
    """The embedded settings with the openai engine on the local server (1 s timeout)."""
    return settings.model_copy(
        update={"ai_engine": "openai", "ai_base_url": chat.url, "ai_api_key": "sk-test", "ai_timeout": 1.0}
    )
