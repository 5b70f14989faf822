"""Settings pointing the AI tests at the local Chat Completions server (`chat`, in tests/conftest.py)."""

from __future__ import annotations

import pytest

from leadq.settings import Settings
from tests.scrape.shared_fixtures import cli_env  # noqa: F401

from .chat_server import ChatServer


@pytest.fixture
def ai_settings(settings: Settings, chat: ChatServer) -> Settings:
    """The embedded settings with the openai engine on the local server (1 s timeout)."""
    return settings.model_copy(
        update={"ai_engine": "openai", "ai_base_url": chat.url, "ai_api_key": "sk-test", "ai_timeout": 1.0}
    )
