"""Dramatiq brokers with leadq's enqueue: batched, idempotent, waking idle consumers.

Redis: one pipelined round trip per batch (Dramatiq sends one message per
round trip even in a group), an optional idempotency key checked in the same
script, and a wake-up push that idle consumers block on instead of polling
with backoff. Maintenance (reaping dead workers' messages) runs on a fixed
tick per queue rather than by chance, so redelivery time is bounded. In a
worker process every Redis call rides out an outage (see ``outage`` and
``consumer``) instead of failing: no consumer restarts, no lost delayed
messages, no ack given up.

Embedded: the same API on Dramatiq's StubBroker, with idempotency keys held
in process memory.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import redis
from dramatiq import Message
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import current_millis, dq_name
from dramatiq.middleware import Middleware, MiddlewareError

from leadq.core.consumer import WakeableConsumer
from leadq.core.outage import Outage
from leadq.core.redis_client import longest_block
from leadq.settings import Settings

LUA_DIR = Path(__file__).parent / "lua"
#: Commands that must stay cheap: Dramatiq never runs maintenance on them.
NO_MAINTENANCE = {"ack", "nack"}

_DRAMATIQ_HEARTBEAT = 'redis.call("zadd", heartbeats, timestamp, worker_id)'
_NEWEST_HEARTBEAT = """local last_beat = redis.call("zscore", heartbeats, worker_id)
if not last_beat or tonumber(last_beat) < tonumber(timestamp) then
    redis.call("zadd", heartbeats, timestamp, worker_id)
end"""


@functools.cache
def dispatch_keeping_the_newest_heartbeat() -> str:
    """Dramatiq's dispatch script, except that a heartbeat never moves back in time.

    A worker process takes its heartbeat's timestamp before the call, and a job
    holding the GIL (a regex, a C call) can stall that call for as long as it
    holds it: the heartbeat finally written is that old and replaced the one the
    supervisor had just vouched with, so another process's maintenance took the
    live process for dead and ran its job a second time (seen under load:
    heartbeats 6-10 s old). The supervisor's own ZADD still sets the time
    outright, so a clock stepped back is followed.
    """
    script = (files("dramatiq.brokers") / "redis" / "dispatch.lua").read_text()
    if script.count(_DRAMATIQ_HEARTBEAT) != 1:
        raise RuntimeError("Dramatiq's dispatch.lua no longer writes the heartbeat as leadq expects")
    return script.replace(_DRAMATIQ_HEARTBEAT, _NEWEST_HEARTBEAT)


@dataclass(frozen=True)
class Outgoing:
    """One message to enqueue, with its optional delay (ms) and idempotency key."""

    message: Message
    delay: int | None = None
    unique_key: str | None = None
    unique_ttl: int | None = None


#: Distinguishes enqueues of one message (retries re-enqueue the same message
#: id): cheaper than a uuid per enqueue, unique within the process's lifetime.
_enqueue_serial = itertools.count(int.from_bytes(os.urandom(4), "big"))


class ActiveHooks:
    """Dramatiq's ``emit_before``/``emit_after``, calling only hooks that do something.

    Dramatiq calls every middleware's method for every signal, most of them
    the base class's no-ops: a dozen middleware and six signals a message add
    up on the hot path. Same order, same error handling, fewer calls.
    """

    def _hooks(self, name: str, *, reverse: bool) -> list:
        cache = self.__dict__.setdefault("_active_hooks", {})
        # add_middleware only ever grows the list, so its length versions the cache.
        key = (name, reverse, len(self.middleware))
        hooks = cache.get(key)
        if hooks is None:
            base = getattr(Middleware, name, None)
            ordered = reversed(self.middleware) if reverse else self.middleware
            hooks = cache[key] = [
                (m, getattr(m, name)) for m in ordered if getattr(type(m), name, None) is not base
            ]
        return hooks

    def emit_before(self, signal: str, *args, **kwargs) -> None:
        name = "before_" + signal
        for middleware, hook in self._hooks(name, reverse=False):
            try:
                hook(self, *args, **kwargs)
            except MiddlewareError:
                raise
            except Exception:
                self.logger.critical("Unexpected failure in %s of %r.", name, middleware, exc_info=True)

    def emit_after(self, signal: str, *args, **kwargs) -> None:
        name = "after_" + signal
        for middleware, hook in self._hooks(name, reverse=True):
            try:
                hook(self, *args, **kwargs)
            except Exception:
                self.logger.critical("Unexpected failure in %s of %r.", name, middleware, exc_info=True)


def _for_redis(message: Message, delay: int | None) -> tuple[str, Message]:
    """The queue to push to and the message as stored: a fresh per-enqueue id
    (Dramatiq's message id repeats across retries) and, when delayed, its eta."""
    options = {"redis_message_id": f"{message.message_id}.{next(_enqueue_serial)}"}
    if delay is None:
        return message.queue_name, message.copy(options=options)
    queue_name = dq_name(message.queue_name)
    options["eta"] = current_millis() + delay
    return queue_name, message.copy(queue_name=queue_name, options=options)


class LeadqRedisBroker(ActiveHooks, RedisBroker):
    """Dramatiq's Redis broker with batched/unique enqueue and bounded redelivery."""

    def __init__(
        self, *, settings: Settings, middleware: list, client: redis.Redis, broker_id: str | None = None
    ) -> None:
        super().__init__(
            client=client,
            middleware=middleware,
            namespace=settings.namespace,
            heartbeat_timeout=int(settings.heartbeat_timeout * 1000),
            dead_message_ttl=settings.dead_letter_ttl * 1000,
        )
        if broker_id:
            self.broker_id = broker_id
        self.scripts["dispatch"] = self.client.register_script(dispatch_keeping_the_newest_heartbeat())
        self.unique_ttl_ms = settings.unique_ttl * 1000
        self.idle_wait = settings.idle_wakeup_timeout
        self.maintenance_interval = settings.maintenance_interval
        self._last_maintenance: dict[str, float] = {}
        self.leadq_scripts = {
            path.stem: self.client.register_script(path.read_bytes()) for path in LUA_DIR.glob("*.lua")
        }
        # Worker processes log their outages at DEBUG: the supervisor reports
        # the same outage for the whole host, once.
        self.outage = Outage(level=logging.DEBUG)
        #: Set in worker processes: an enqueue (a retry, a follow-up job, a due
        #: delayed message) waits for Redis instead of failing and being lost.
        self.wait_out_outages = False
        #: Set when the process stops: calls waiting for Redis give up; the
        #: supervisor requeues whatever this process still held.
        self.stopping = threading.Event()

    def ride_out(self, call):
        """``call()``, waiting out a Redis outage in worker processes; once elsewhere."""
        if not self.wait_out_outages:
            return call()
        return self.outage.call(call, give_up=self.stopping.is_set)

    @property
    def consumer_class(self):
        return WakeableConsumer

    # -- enqueue -------------------------------------------------------------

    def enqueue(self, message: Message, *, delay: int | None = None) -> Message:
        [(sent, _)] = self.enqueue_many([Outgoing(message, delay)])
        return sent

    def enqueue_many(self, batch: Sequence[Outgoing]) -> list[tuple[Message, str | None]]:
        """Enqueue a batch in one round trip (one script call).

        Returns ``(message, existing_job_id)`` per item; ``existing_job_id`` is
        set when the idempotency key was already held and nothing was enqueued.
        """
        args: list = [self.namespace]
        prepared = []
        for item in batch:
            queue_name, message = _for_redis(item.message, item.delay)
            self.emit_before("enqueue", message, item.delay)
            args += (
                queue_name,
                message.options["redis_message_id"],
                message.encode(),
                item.unique_key or "",
                item.unique_ttl or self.unique_ttl_ms,
                message.message_id,
            )
            prepared.append((message, item.delay))
        replies = self.ride_out(lambda: self.leadq_scripts["enqueue_batch"](args=args)) if prepared else []
        results = []
        for (message, delay), existing in zip(prepared, replies, strict=True):
            existing_id = existing.decode() or None
            if existing_id is None:
                self.emit_after("enqueue", message, delay)
            results.append((message, existing_id))
        return results

    # -- maintenance ---------------------------------------------------------

    def _maintenance_due(self, command: str, queue_name: str) -> int:
        if command in NO_MAINTENANCE:
            return 0
        now = time.monotonic()
        # Nobody could heartbeat during an outage or a stall (CLIENT PAUSE, a
        # busy script): reaping right after it would take every live worker
        # for dead and run its jobs twice. Wait until the supervisors vouched again.
        if self.outage.ongoing or now - self.outage.disturbed_at < 2 * self.heartbeat_timeout / 1000:
            return 0
        if now - self._last_maintenance.get(queue_name, 0.0) < self.maintenance_interval:
            return 0
        self._last_maintenance[queue_name] = now
        return 1

    def _dispatch(self, command):
        # Same call as Dramatiq's, but maintenance runs on a per-queue tick
        # instead of a 1-in-1000 draw, so a dead worker's messages come back
        # within heartbeat_timeout + maintenance_interval.
        dispatch = self.scripts["dispatch"]
        keys = [self.namespace]

        def do_dispatch(queue_name, *args):
            started = time.monotonic()
            try:
                return call(queue_name, *args)
            finally:
                self._note_stall(started)

        def call(queue_name, *args):
            return dispatch(
                args=[
                    command,
                    current_millis(),
                    queue_name,
                    self.broker_id,
                    self.heartbeat_timeout,
                    self.dead_message_ttl,
                    self._maintenance_due(command, queue_name),
                    self._max_unpack_size(),
                    *args,
                ],
                keys=keys,
            )

        return do_dispatch

    def _note_stall(self, started: float, expected: float = 0.0) -> None:
        """A call that took half a heartbeat timeout longer than expected: Redis stalled."""
        if time.monotonic() - started - expected > self.heartbeat_timeout / 2000:
            self.outage.stalled()

    def reap_worker(self, worker_id: str) -> int:
        """Requeue every unacked message of a worker known to be dead."""
        return int(self.leadq_scripts["reap_worker"](args=[self.namespace, worker_id]))

    def wait_for_work(self, queue_name: str, timeout: float) -> None:
        """Block until an enqueue on ``queue_name`` wakes us, or ``timeout`` passes.

        The block ends before the client's socket timeout, or a healthy idle
        connection would time out first (redis-py 8 defaults to 5 s).
        """
        key = f"{self.namespace}:__wakeup__.{queue_name}"
        block = longest_block(self.client, timeout)
        started = time.monotonic()
        try:
            self.client.blpop([key], timeout=block)
        finally:
            self._note_stall(started, expected=block)

    def acks_key(self, queue_name: str) -> str:
        """The set of message ids this process fetched from ``queue_name`` and has not acked."""
        return f"{self.namespace}:__acks__.{self.broker_id}.{queue_name}"


class LeadqStubBroker(ActiveHooks, StubBroker):
    """Dramatiq's in-memory broker with leadq's enqueue API (embedded mode)."""

    def __init__(self, *, settings: Settings, middleware: list) -> None:
        super().__init__(middleware=middleware)
        self.unique_ttl_ms = settings.unique_ttl * 1000
        self._unique: dict[str, tuple[str, float]] = {}
        self._unique_lock = threading.Lock()

    def enqueue_many(self, batch: Sequence[Outgoing]) -> list[tuple[Message, str | None]]:
        results = []
        for item in batch:
            if item.unique_key:
                existing = self._claim(item.unique_key, item.message.message_id, item.unique_ttl)
                if existing is not None:
                    results.append((item.message, existing))
                    continue
            results.append((self.enqueue(item.message, delay=item.delay), None))
        return results

    def _claim(self, key: str, job_id: str, ttl_ms: int | None) -> str | None:
        now = time.monotonic()
        with self._unique_lock:
            held = self._unique.get(key)
            if held is not None and held[1] > now:
                return held[0]
            self._unique[key] = (job_id, now + (ttl_ms or self.unique_ttl_ms) / 1000)
        return None
