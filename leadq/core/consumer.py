"""The consumer of leadq's Redis broker: wakes on enqueue, outlives Redis outages."""

from __future__ import annotations

import logging
import time

from dramatiq import Message
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import _RedisConsumer
from dramatiq.common import compute_backoff, current_millis
from dramatiq.errors import ConnectionClosed

from leadq.core.outage import REDIS_DOWN, backoff

logger = logging.getLogger(__name__)


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
                if self.broker.stopping.is_set():
                    # A stopping process takes no new work, not even what it fetched: its
                    # threads finish what they run, and the supervisor requeues the rest.
                    time.sleep(0.1)
                    return None
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
