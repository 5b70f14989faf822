"""The Redis client leadq's broker uses, with timeouts that fit its blocking calls.

redis-py's defaults differ by version: 5.x waits on a socket forever, 8.x gives
up after 5 s and retries ten times (on timeouts too). An idle consumer blocks
in BLPOP for ``idle_wakeup_timeout`` (5 s), so under redis-py 8 the client
timed out first and every idle consumer logged a CRITICAL traceback every few
seconds. Here the timeouts are leadq's own on every redis-py: the socket
timeout is the longest block plus a margin, and a failed command is retried
once, only when the connection broke (a stale pooled connection after a Redis
restart), never after a timeout, when Redis may have run the command already.
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from leadq.settings import DEFAULT_REDIS_URL, Settings

#: How much longer than its longest block a connection waits for a reply.
BLOCK_MARGIN = 5.0
#: Socket timeout when blocks are short: also how long a stalled Redis takes to notice.
MIN_SOCKET_TIMEOUT = 10.0
CONNECT_TIMEOUT = 5.0


def socket_timeout_for(settings: Settings) -> float:
    """A read timeout longer than any blocking call leadq makes (BLPOP of ``idle_wakeup_timeout``)."""
    return max(MIN_SOCKET_TIMEOUT, settings.idle_wakeup_timeout + BLOCK_MARGIN)


def redis_client(settings: Settings) -> redis.Redis:
    """A client for ``settings.redis_url``; options in the URL's query string win."""
    return redis.Redis.from_url(
        settings.redis_url or DEFAULT_REDIS_URL,
        socket_timeout=socket_timeout_for(settings),
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_keepalive=True,
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    )


def longest_block(client: redis.Redis, wanted: float) -> float:
    """``wanted`` seconds, shortened to fit the client's socket timeout.

    A URL may set its own ``socket_timeout``; a block must end before it or
    the client gives up on a healthy connection.
    """
    timeout = client.connection_pool.connection_kwargs.get("socket_timeout")
    if timeout is None:
        return wanted
    return max(0.01, min(wanted, timeout - min(BLOCK_MARGIN, timeout / 2)))
