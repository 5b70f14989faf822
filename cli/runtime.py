"""Getting a broker for a command: embedded or Redis, with a clear error when Redis is down.

Imports of Dramatiq, redis-py and the broker module happen inside the
functions: sub-apps import this module, and their `--help` must not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dramatiq

    from leadq.settings import Settings


def open_broker(*, inline: bool = False, settings: Settings | None = None) -> dramatiq.Broker:
    """The broker a command sends work to (embedded when ``inline`` or no Redis set)."""
    from leadq.ops.runtime import setup_broker
    from leadq.settings import get_settings

    settings = settings or get_settings()
    broker = setup_broker(settings, inline=inline)
    if settings.uses_redis and not inline:
        ping(broker, settings)
    return broker


def open_redis_broker(settings: Settings | None = None):
    """The Redis broker, for commands that inspect or manage queued work."""
    from leadq.core.queues import require_redis
    from leadq.settings import get_settings

    settings = settings or get_settings()
    return require_redis(open_broker(settings=settings))


def ping(broker, settings: Settings) -> None:
    import redis

    from leadq.errors import BrokerUnavailable
    from leadq.redact import mask_url

    try:
        broker.client.ping()
    except redis.exceptions.RedisError as exc:
        raise BrokerUnavailable(
            f"cannot reach Redis at {mask_url(settings.redis_url)} ({exc}). Start it (`sudo apt-get install "
            "redis-server` or `redis-server --daemonize yes`), fix LEADQ_REDIS_URL, or use --inline."
        ) from None
