"""Last fire times of schedules, and the per-(schedule, tick) lock, in Redis.

Kept in Redis, not in the scheduler's memory, so every scheduler process (one
per VPS) sees the same history: a tick one of them fired is neither fired
again by another nor re-fired after a restart, and `leadq schedule list` can
show the last run from any machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis


@dataclass(frozen=True)
class LastFire:
    tick: float
    fired_at: float
    job_id: str | None


class FireLog:
    """Redis keys ``{namespace}:schedule:{kind}:{name}`` (a hash) and ``...:lock:{tick}``."""

    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self.client = client
        self.namespace = namespace

    def _key(self, kind: str, name: str) -> str:
        return f"{self.namespace}:schedule:{kind}:{name}"

    def claim(self, kind: str, name: str, tick: float, *, ttl: int) -> bool:
        """True for exactly one caller per (schedule, tick), across processes and machines."""
        return bool(self.client.set(f"{self._key(kind, name)}:lock:{tick:.0f}", "1", nx=True, ex=ttl))

    def release(self, kind: str, name: str, tick: float) -> None:
        """Give a claimed tick back after a failed enqueue, so another scheduler may fire it."""
        self.client.delete(f"{self._key(kind, name)}:lock:{tick:.0f}")

    def record(self, kind: str, name: str, *, tick: float, fired_at: float, job_id: str | None) -> None:
        fields = {"tick": tick, "fired_at": fired_at, "job_id": job_id or ""}
        self.client.hset(self._key(kind, name), mapping=fields)

    def last(self, kind: str, name: str) -> LastFire | None:
        raw = self.client.hgetall(self._key(kind, name))
        if not raw:
            return None
        fields = {k.decode(): v.decode() for k, v in raw.items()}
        return LastFire(
            tick=float(fields["tick"]), fired_at=float(fields["fired_at"]), job_id=fields["job_id"] or None
        )
