"""Queue inspection and purging on the Redis broker.

Counts come straight from Dramatiq's Redis layout: ``ns:q`` (ready ids),
``ns:q.DQ`` (delayed ids not yet fetched), ``ns:__acks__.<worker>.q[.DQ]``
(fetched by a worker: in flight, or delayed and held in its memory),
``ns:q.XQ`` (dead letters) and ``ns:__heartbeats__`` (worker liveness).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from dramatiq import Message
from dramatiq.common import dq_name

from leadq.core.broker import current_runtime
from leadq.core.jobs import record_states
from leadq.core.redis_broker import LeadqRedisBroker
from leadq.core.vocabulary import QUEUES
from leadq.errors import UserError


@dataclass(frozen=True)
class QueueStats:
    queue: str
    ready: int
    delayed: int
    in_flight: int
    dead: int

    def asdict(self) -> dict[str, int | str]:
        return asdict(self)


def require_redis(broker) -> LeadqRedisBroker:
    if not isinstance(broker, LeadqRedisBroker):
        raise UserError(
            "this command inspects Redis, but leadq is in embedded mode: set LEADQ_REDIS_URL "
            "(e.g. redis://127.0.0.1:6379/0) to use a Redis broker"
        )
    return broker


def _heartbeats(broker: LeadqRedisBroker) -> list[tuple[str, float]]:
    key = f"{broker.namespace}:__heartbeats__"
    return [(member.decode(), score) for member, score in broker.client.zrange(key, 0, -1, withscores=True)]


def live_workers(broker) -> list[str]:
    """Worker ids whose heartbeat is within the heartbeat timeout."""
    broker = require_redis(broker)
    cutoff = time.time() * 1000 - broker.heartbeat_timeout
    return [worker for worker, beat in _heartbeats(broker) if beat >= cutoff]


def queue_stats(broker, queues: tuple[str, ...] = QUEUES) -> list[QueueStats]:
    """Ready / delayed / in-flight / dead counts per queue, in one round trip."""
    broker = require_redis(broker)
    ns = broker.namespace
    workers = [worker for worker, _ in _heartbeats(broker)]
    pipe = broker.client.pipeline(transaction=False)
    for queue in queues:
        pipe.llen(f"{ns}:{queue}")
        pipe.llen(f"{ns}:{dq_name(queue)}")
        pipe.zcard(f"{ns}:{queue}.XQ")
        for worker in workers:
            pipe.scard(f"{ns}:__acks__.{worker}.{queue}")
            pipe.scard(f"{ns}:__acks__.{worker}.{dq_name(queue)}")
    replies = iter(pipe.execute())
    stats = []
    for queue in queues:
        ready, delayed, dead = next(replies), next(replies), next(replies)
        in_flight = 0
        for _ in workers:
            in_flight += next(replies)
            delayed += next(replies)
        stats.append(QueueStats(queue, ready, delayed, in_flight, dead))
    return stats


def held_delayed(broker: LeadqRedisBroker, queue: str) -> list[str]:
    """Job ids of ``queue``'s delayed messages that a worker fetched and keeps until they are due.

    ``queue_stats`` counts them as delayed; they are no longer in the delay
    queue, so purging that alone would leave them to run.
    """
    ns, delayed = broker.namespace, dq_name(queue)
    redis_ids = set()
    for worker, _ in _heartbeats(broker):
        redis_ids |= broker.client.smembers(f"{ns}:__acks__.{worker}.{delayed}")
    if not redis_ids:
        return []
    found = broker.client.hmget(f"{ns}:{delayed}.msgs", sorted(redis_ids))
    return [Message.decode(data).message_id for data in found if data is not None]


def purge_queue(broker, queue: str, *, dry_run: bool = False) -> int:
    """Remove the ready and delayed messages waiting in ``queue``; dead letters stay.

    Delayed messages a worker already holds until they are due are cancelled
    (the worker skips them). Purged jobs are marked cancelled in job history.
    Returns how many went: the ready and delayed counts of ``queue_stats``.
    """
    broker = require_redis(broker)
    if queue not in QUEUES:
        raise UserError(f"unknown queue {queue!r}; queues are {', '.join(QUEUES)}")
    removed: list[bytes] = []
    for name in (queue, dq_name(queue)):
        removed += broker.leadq_scripts["purge_queue"](args=[broker.namespace, name, "1" if dry_run else "0"])
    held = held_delayed(broker, queue)
    if not dry_run and (removed or held):
        for job_id in held:
            current_runtime().cancels.cancel(job_id)
        job_ids = [Message.decode(data).message_id for data in removed] + held
        record_states(current_runtime().history, job_ids, "cancelled", reason=f"purged from queue {queue}")
    return len(removed) + len(held)
