"""Cancelling jobs: skip them before they start, stop them at a checkpoint.

A cancelled job id goes into a registry every worker process can check
without a round trip: in Redis it is a sorted set plus a pub/sub channel that
each worker listens on to keep a local copy; embedded, a set in memory.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from dramatiq.middleware import Middleware, SkipMessage

from leadq.core.outage import REDIS_DOWN

logger = logging.getLogger(__name__)

#: How long a cancellation is remembered: longer than any job waits or runs.
CANCEL_TTL = 7 * 86400


class CancelRegistry:
    """Job ids that must not run (further)."""

    def __init__(self) -> None:
        self._ids: set[str] = set()

    def cancel(self, job_id: str) -> None:
        self._ids.add(job_id)

    def is_cancelled(self, job_id: str) -> bool:
        return job_id in self._ids

    def start(self) -> None:
        """Begin following cancellations made by other processes (workers only)."""

    def stop(self) -> None:
        """Stop following cancellations."""


class LocalCancelRegistry(CancelRegistry):
    """In-process registry for the embedded broker."""


class RedisCancelRegistry(CancelRegistry):
    """Cancellations shared through Redis, mirrored locally by a listener thread."""

    def __init__(self, client: redis.Redis, namespace: str) -> None:
        super().__init__()
        self.client = client
        self.key = f"{namespace}:__cancelled__"
        self.channel = f"{namespace}:__cancel__"
        self._listener: threading.Thread | None = None
        self._pubsub = None
        self._stale = True

    def cancel(self, job_id: str) -> None:
        now = time.time()
        pipe = self.client.pipeline()
        pipe.zadd(self.key, {job_id: now})
        pipe.zremrangebyscore(self.key, 0, now - CANCEL_TTL)
        pipe.publish(self.channel, job_id)
        pipe.execute()
        super().cancel(job_id)

    def is_cancelled(self, job_id: str) -> bool:
        if self._listener is None:
            # Not following the channel (CLI process): ask Redis.
            return self.client.zscore(self.key, job_id) is not None
        return super().is_cancelled(job_id)

    def start(self) -> None:
        self._pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self._stale = True
        try:
            self._sync(self._pubsub)
        except REDIS_DOWN:
            pass  # a worker starts while Redis is away: the listener syncs when it returns
        self._listener = threading.Thread(target=self._listen, name="leadq-cancel-listener", daemon=True)
        self._listener.start()

    def _sync(self, pubsub) -> None:
        # Subscribe first, then load: a cancel between the two is seen twice, never missed.
        pubsub.subscribe(self.channel)
        for job_id in self.client.zrange(self.key, 0, -1):
            self._ids.add(job_id.decode())
        self._stale = False

    def _listen(self) -> None:
        while (pubsub := self._pubsub) is not None:
            try:
                if self._stale:
                    self._sync(pubsub)
                message = pubsub.get_message(timeout=1.0)
            except (redis.RedisError, ValueError, AttributeError, TypeError):
                if self._pubsub is None:
                    return  # stop() closed the connection under the read
                # Redis away: cancels published meanwhile are in the sorted set, reload it.
                self._stale = True
                time.sleep(1.0)
                continue
            if message and message["type"] == "message":
                self._ids.add(message["data"].decode())

    def stop(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            pubsub.close()


class Cancellation(Middleware):
    """Skips cancelled jobs before they start."""

    def __init__(self, registry: CancelRegistry) -> None:
        self.registry = registry

    def after_worker_boot(self, broker, worker) -> None:
        self.registry.start()

    def before_worker_shutdown(self, broker, worker) -> None:
        self.registry.stop()

    def before_process_message(self, broker, message) -> None:
        if self.registry.is_cancelled(message.message_id):
            raise SkipMessage(f"job {message.message_id} was cancelled")
