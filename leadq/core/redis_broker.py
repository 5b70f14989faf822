"""Dramatiq brokers with leadq's enqueue: batched, idempotent, waking idle consumers.

Redis: one pipelined round trip per batch (Dramatiq sends one message per
round trip even in a group), an optional idempotency key checked in the same
script, and a wake-up push that idle consumers block on instead of polling
with backoff. Maintenance (reaping dead workers' messages) runs on a fixed
tick per queue rather than by chance, so redelivery time is bounded. In a
worker process every Redis call rides out an outage (see ``outage``) instead
of failing: no consumer restarts, no lost delayed messages, no ack given up.

Embedded: the same API on Dramatiq's StubBroker, with idempotency keys held
in process memory.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import redis
from dramatiq import Message
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import compute_backoff, current_millis, dq_name
from dramatiq.errors import ConnectionClosed
from dramatiq.middleware import Middleware, MiddlewareError

from leadq.core.outage import REDIS_DOWN, Outage, backoff
from leadq.core.redis_client import longest_block
from leadq.settings import Settings

logger = logging.getLogger(__name__)

LUA_DIR = Path(__file__).parent / "lua"
#: Commands that must stay cheap: Dramatiq never runs maintenance on them.
NO_MAINTENANCE = {"ack", "nack"}


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


class WakeableConsumer(_RedisConsumer):
    """A consumer that sleeps on a wake-up list when its queue is empty, and outlives Redis.

    Dramatiq's consumer sleeps with exponential backoff on an empty queue, so a
    job sent to an idle worker waits up to the backoff (p50 ~130 ms measured).
    Blocking on the wake-up list starts it within a millisecond or two and
    costs one command per idle timeout instead of a stream of polls.

    When Redis is unreachable the consumer waits it out (capped backoff,
    returning to Dramatiq's consumer thread between attempts so it can stop)
    instead of raising: Dramatiq would log a CRITICAL line per queue every 3 s
    and forget the delayed messages it holds. Acks wait for Redis too.
    """

    def __init__(self, broker, queue_name, prefetch, timeout):
        super().__init__(broker, queue_name, prefetch, timeout)
        self.delayed = queue_name.endswith(".DQ")
        #: Etas (ms) of the delayed messages this consumer holds until they are due.
        self.etas: dict[str, int] = {}
        #: Redis ids of the messages fetched and not yet acked, nacked or requeued.
        self.held: set[str] = set()
        self.failed_attempts = 0

    def ack(self, message):
        self._settle(self.broker.do_ack, message)

    def nack(self, message):
        self._settle(self.broker.do_nack, message)

    def _settle(self, command, message) -> None:
        redis_id = message.options["redis_message_id"]
        try:
            self.broker.outage.call(
                lambda: command(self.queue_name, redis_id), give_up=self.broker.stopping.is_set
            )
        except REDIS_DOWN:
            # Stopping while Redis is away: the message stays in this process's
            # ack set and the supervisor requeues it (at least once).
            logger.debug("left %s unacked: Redis unreachable while stopping", message.message_id)
        finally:
            self.held.discard(redis_id)
            self.etas.pop(message.message_id, None)
            self.queued_message_ids.discard(message.message_id)

    def requeue(self, messages):
        messages = list(messages)
        try:
            super().requeue(messages)
        except REDIS_DOWN as e:
            raise ConnectionClosed(e) from None
        finally:
            self.held.difference_update(m.options["redis_message_id"] for m in messages)

    def _idle_wait(self) -> float:
        wait = min(self.broker.idle_wait, self.timeout / 1000)
        if self.etas:
            # The consumer thread moves due messages only when we return, so
            # come back by the earliest eta (a new delayed message wakes us too).
            wait = min(wait, max(0.005, (min(self.etas.values()) - current_millis()) / 1000))
        return wait

    def _fetch(self) -> bool:
        """Fill the message cache from Redis; False when the queue is empty."""
        fetched = self.broker.do_fetch(self.queue_name, self.prefetch - self.outstanding_message_count)
        # None: an id whose message data is gone (Dramatiq issue 266); nothing to run.
        self.message_cache = [Message.decode(data) for data in fetched if data is not None]
        self.held.update(m.options["redis_message_id"] for m in self.message_cache)
        return bool(self.message_cache)

    def _requeue_lost_fetches(self) -> None:
        """Give back messages a fetch took for us whose reply never arrived.

        When the connection breaks after Redis ran a fetch, its messages sit in
        this process's ack set, unknown to it; while the process lives and is
        vouched for, nobody else would redeliver them.
        """
        in_redis = self.broker.client.smembers(self.broker.acks_key(self.queue_name))
        lost = [redis_id for redis_id in (raw.decode() for raw in in_redis) if redis_id not in self.held]
        if lost:
            self.broker.do_requeue(self.queue_name, *lost)
            logger.info("requeued %d %s message(s) fetched as Redis failed", len(lost), self.queue_name)

    def __next__(self):
        started = time.monotonic()
        try:
            if self.failed_attempts:
                self._requeue_lost_fetches()
            while True:
                if self.message_cache:
                    message = self.message_cache.pop(0)
                    self.misses = 0
                    self.queued_message_ids.add(message.message_id)
                    if self.delayed:
                        self.etas[message.message_id] = message.options.get("eta", 0)
                    return MessageProxy(message)

                if self.outstanding_message_count >= self.prefetch:
                    # Every prefetch slot is busy: wait for a worker thread to ack.
                    self.misses, backoff_ms = compute_backoff(self.misses, max_backoff=100)
                    time.sleep(backoff_ms / 1000)
                    return None

                found = self._fetch()
                self.failed_attempts = 0
                self.broker.outage.succeeded()
                if found:
                    continue
                self.broker.wait_for_work(self.queue_name, self._idle_wait())
                return None
        except REDIS_DOWN as error:
            self.broker.outage.failed(error, started=started)
            self.failed_attempts += 1
            time.sleep(backoff(self.failed_attempts))
            return None


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
