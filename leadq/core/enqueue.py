"""Sending jobs: one, or a batch in one Redis round trip, optionally idempotent.

Both paths build ordinary Dramatiq messages, so retries, delays, pipelines
and every middleware behave as with ``actor.send``. A job sent from inside
another job records it as its parent, which is how `--wait` follows a fan-out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import dramatiq
from dramatiq import Message
from dramatiq.middleware import CurrentMessage

from leadq.core.broker import current_runtime
from leadq.core.redis_broker import Outgoing

Call = tuple[tuple, dict] | tuple


def _options(unique_key: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    parent = CurrentMessage.get_current_message()
    if parent is not None:
        options["parent_id"] = parent.message_id
    if unique_key:
        options["unique_key"] = unique_key
    return options


def _uuid_text(hex32: str) -> str:
    """Random hex in Dramatiq's message-id shape (8-4-4-4-12)."""
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:]}"


def _split(call: Call) -> tuple[tuple, dict]:
    if len(call) == 2 and isinstance(call[0], tuple | list) and isinstance(call[1], dict):
        return tuple(call[0]), call[1]
    return tuple(call), {}


def send(
    actor: dramatiq.Actor,
    *args: Any,
    unique_key: str | None = None,
    unique_ttl: float | None = None,
    delay: float | None = None,
    **kwargs: Any,
) -> str:
    """Enqueue one job and return its id (the existing job's id for a held ``unique_key``).

    Outside a worker the job is in history when this returns, so a command
    can print its id and `leadq job status` finds it at once.
    """
    [job_id] = send_many(
        actor, [(args, kwargs)], unique_keys=[unique_key], unique_ttl=unique_ttl, delay=delay
    )
    if CurrentMessage.get_current_message() is None:
        current_runtime().history.flush()
    return job_id


def send_many(
    actor: dramatiq.Actor,
    calls: Iterable[Call],
    *,
    unique_keys: Sequence[str | None] | None = None,
    unique_ttl: float | None = None,
    delay: float | None = None,
) -> list[str]:
    """Enqueue many jobs of one actor in one round trip; returns their ids in order.

    Their history rows are written by a background writer within
    ``history_flush_interval`` (and at exit), not before this returns: a
    fan-out of thousands must not wait on SQL.

    ``calls`` holds ``(args, kwargs)`` pairs or plain argument tuples. Delays
    are in seconds; ``unique_keys`` (one per call, or None) make enqueue
    idempotent for ``unique_ttl`` seconds (default: the ``unique_ttl`` setting).
    """
    broker = current_runtime().broker
    calls = [_split(call) for call in calls]
    keys = list(unique_keys) if unique_keys is not None else [None] * len(calls)
    if len(keys) != len(calls):
        raise ValueError("unique_keys must have one entry per call")
    delay_ms = int(delay * 1000) if delay else None
    ttl_ms = int(unique_ttl * 1000) if unique_ttl else None
    # One urandom call for the whole batch: a uuid4 each is a syscall each.
    entropy = os.urandom(16 * len(calls)).hex()
    batch = [
        Outgoing(
            Message(
                queue_name=actor.queue_name,
                actor_name=actor.actor_name,
                args=args,
                kwargs=kwargs,
                options=_options(key),
                message_id=_uuid_text(entropy[32 * i : 32 * i + 32]),
            ),
            delay=delay_ms,
            unique_key=key,
            unique_ttl=ttl_ms,
        )
        for i, ((args, kwargs), key) in enumerate(zip(calls, keys, strict=True))
    ]
    results = broker.enqueue_many(batch)
    return [existing or message.message_id for message, existing in results]
