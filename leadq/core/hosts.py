"""Several machines on one Redis: which hosts run workers, and how far this host's clock is off.

Every worker process is named ``<host id>-<12 hex digits>`` (``Supervisor.spawn``)
and its supervisor writes that name into ``<namespace>:__heartbeats__`` with
this host's wall-clock time in ms. Another host's maintenance compares those
times with its own clock to decide that a worker is dead and requeue its jobs,
so clocks that differ by more than a second eat into ``heartbeat_timeout``: a
live worker's jobs could be run twice, or a dead one's come back late.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

import redis

from leadq.settings import Settings


def this_host(settings: Settings) -> str:
    """The host id this machine's workers use (``LEADQ_HOST_ID``, else the hostname)."""
    return settings.host_id or socket.gethostname()


def worker_hosts(client: redis.Redis, settings: Settings) -> set[str]:
    """Host ids with a worker heartbeat fresher than ``heartbeat_timeout`` (by Redis's clock)."""
    server_seconds, server_micros = client.time()
    fresh_since = (server_seconds + server_micros / 1e6 - settings.heartbeat_timeout) * 1000
    workers = client.zrangebyscore(f"{settings.namespace}:__heartbeats__", fresh_since, "+inf")
    return {worker.decode().rsplit("-", 1)[0] for worker in workers}


@dataclass(frozen=True)
class ClockOffset:
    """Redis's clock minus this host's, in seconds, known to within ``uncertainty``."""

    seconds: float
    uncertainty: float


def clock_offset(client: redis.Redis) -> ClockOffset:
    """Compare this host's clock with Redis ``TIME``, taken half-way through the round trip."""
    before = time.time()
    server_seconds, server_micros = client.time()
    after = time.time()
    server = server_seconds + server_micros / 1e6
    return ClockOffset(seconds=server - (before + after) / 2, uncertainty=(after - before) / 2)
