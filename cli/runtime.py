"""Getting a broker for a command: embedded or Redis, with a clear error when Redis is down."""

from __future__ import annotations

import dramatiq
import redis

from leadq.core.broker import setup_broker
from leadq.core.queues import require_redis
from leadq.errors import BrokerUnavailable
from leadq.redact import mask_url
from leadq.settings import Settings, get_settings


def open_broker(*, inline: bool = False, settings: Settings | None = None) -> dramatiq.Broker:
    """The broker a command sends work to (embedded when ``inline`` or no Redis set)."""
    settings = settings or get_settings()
    broker = setup_broker(settings, inline=inline)
    if settings.uses_redis and not inline:
        ping(broker, settings)
    return broker


def open_redis_broker(settings: Settings | None = None):
    """The Redis broker, for commands that inspect or manage queued work."""
    settings = settings or get_settings()
    return require_redis(open_broker(settings=settings))


def ping(broker, settings: Settings) -> None:
    try:
        broker.client.ping()
    except redis.exceptions.RedisError as exc:
        raise BrokerUnavailable(
            f"cannot reach Redis at {mask_url(settings.redis_url)} ({exc}). Start it (`sudo apt-get install "
            "redis-server` or `redis-server --daemonize yes`), fix LEADQ_REDIS_URL, or use --inline."
        ) from None
