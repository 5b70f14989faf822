"""Dead letters: jobs that failed for good, kept in Redis for inspection and requeue.

Dramatiq keeps them per queue in ``ns:q.XQ`` (ids by failure time) and
``ns:q.XQ.msgs`` (message data) and expires them after the dead-letter TTL.
The reason a job died is in job history, which outlives the dead letter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from dramatiq import Message

from leadq.core.broker import current_runtime
from leadq.core.history import event
from leadq.core.jobs import get_job, record_states
from leadq.core.queues import require_redis
from leadq.core.redis_broker import LeadqRedisBroker, Outgoing
from leadq.core.vocabulary import QUEUES
from leadq.errors import UserError
from leadq.settings import Settings


@dataclass
class DeadLetter:
    job_id: str
    redis_id: str
    queue: str
    actor: str
    args: list[Any]
    kwargs: dict[str, Any]
    attempts: int
    failed_at: float
    error_type: str | None = None
    error_message: str | None = None
    message: Message | None = None

    def asdict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "queue": self.queue,
            "actor": self.actor,
            "args": self.args,
            "kwargs": self.kwargs,
            "attempts": self.attempts,
            "failed_at": self.failed_at,
            "error_type": self.error_type,
            "error_message": self.error_message,
        }


def _queues(queue: str | None) -> tuple[str, ...]:
    if queue is None:
        return QUEUES
    if queue not in QUEUES:
        raise UserError(f"unknown queue {queue!r}; queues are {', '.join(QUEUES)}")
    return (queue,)


def list_dead(
    broker, settings: Settings, *, queue: str | None = None, older_than: float | None = None
) -> list[DeadLetter]:
    """Dead letters, oldest failure first; ``older_than`` in seconds."""
    broker = require_redis(broker)
    cutoff = "+inf" if older_than is None else (time.time() - older_than) * 1000
    letters = []
    for name in _queues(queue):
        key = f"{broker.namespace}:{name}.XQ"
        entries = broker.client.zrangebyscore(key, 0, cutoff, withscores=True)
        if not entries:
            continue
        datas = broker.client.hmget(f"{key}.msgs", [redis_id for redis_id, _ in entries])
        for (redis_id, score), data in zip(entries, datas, strict=True):
            if data is None:
                continue
            message = Message.decode(data)
            letters.append(
                DeadLetter(
                    job_id=message.message_id,
                    redis_id=redis_id.decode(),
                    queue=name,
                    actor=message.actor_name,
                    args=list(message.args),
                    kwargs=dict(message.kwargs),
                    attempts=message.options.get("attempt", 1),
                    failed_at=score / 1000,
                    message=message,
                )
            )
    _add_reasons(settings, letters)
    return letters


def _add_reasons(settings: Settings, letters: list[DeadLetter]) -> None:
    for letter in letters:
        job = get_job(settings, letter.job_id)
        if job is not None:
            letter.attempts = max(letter.attempts, job.attempt)
            letter.error_type, letter.error_message = job.error_type, job.error_message


def find_dead(broker, settings: Settings, job_id: str) -> DeadLetter:
    matches = [d for d in list_dead(broker, settings) if d.job_id.startswith(job_id)]
    if not matches:
        raise UserError(f"no dead letter for job {job_id!r}")
    if len(matches) > 1:
        raise UserError(f"job id prefix {job_id!r} matches {len(matches)} dead letters; give more characters")
    return matches[0]


def _remove(broker: LeadqRedisBroker, letters: list[DeadLetter]) -> None:
    pipe = broker.client.pipeline(transaction=True)
    for letter in letters:
        key = f"{broker.namespace}:{letter.queue}.XQ"
        pipe.zrem(key, letter.redis_id)
        pipe.hdel(f"{key}.msgs", letter.redis_id)
    pipe.execute()


def requeue(broker, letters: list[DeadLetter]) -> int:
    """Send dead jobs again under the same job id, with a fresh retry budget.

    Enqueue comes before removal: a crash in between leaves a duplicate to
    notice, never a lost job.
    """
    broker = require_redis(broker)
    if not letters:
        return 0
    requeued_at = time.time()  # before the enqueue: a worker may start it at once
    batch = []
    for letter in letters:
        options = dict(letter.message.options)
        for transient in ("redis_message_id", "eta", "traceback", "requeue_timestamp"):
            options.pop(transient, None)
        options.update(retries=0, attempt=letter.attempts + 1)
        batch.append(Outgoing(letter.message._replace(queue_name=letter.queue, options=options)))
    broker.enqueue_many(batch)
    _remove(broker, letters)
    history = current_runtime().history
    history.record_many(
        [event(letter.job_id, "enqueued", at=requeued_at, attempt=letter.attempts + 1) for letter in letters]
    )
    history.flush()
    return len(letters)


def purge(broker, letters: list[DeadLetter]) -> int:
    """Delete dead letters for good; their jobs become ``failed`` in history."""
    broker = require_redis(broker)
    if letters:
        _remove(broker, letters)
        record_states(current_runtime().history, [d.job_id for d in letters], "failed")
    return len(letters)
