"""CLI tests that need a real worker use the engine tests' fixtures."""

from tests.core.conftest import redis_broker, start_worker  # noqa: F401
