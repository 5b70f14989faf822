"""The scheduler loop keeps running through a Redis outage instead of crashing."""

from __future__ import annotations

import logging
import socket
import threading

import redis
import redis.backoff
import redis.retry

from leadq.ops.scheduler_service import run_scheduler


def test_the_loop_logs_an_unreachable_redis_and_stops_cleanly_when_asked(settings, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = redis.Redis(
        port=port, socket_connect_timeout=0.5, retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0)
    )
    sent = []
    stop = threading.Event()
    loop = threading.Thread(
        target=run_scheduler, args=(settings,), kwargs={"client": client, "send": sent.append, "stop": stop}
    )
    with caplog.at_level(logging.WARNING, logger="leadq.ops.scheduler_service"):
        loop.start()
        timer = threading.Timer(1.0, stop.set)
        timer.start()
        loop.join(10)
    assert not loop.is_alive()
    assert sent == []
    assert any("Redis unavailable" in r.getMessage() for r in caplog.records)
