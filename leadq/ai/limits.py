"""Spending and rate limits on model calls, shared by every worker.

Counters live in the broker's rate-limiter backend (Redis for workers, memory
when embedded): dollars spent per UTC day (in micro-dollars), requests and
tokens per minute. A call over any limit raises ``Deferred``: the job runs
again when the window turns over and keeps all of its retries. Tokens are
only known after a call, so the token limit admits a call while the minute's
count is under it and counts the call's tokens afterwards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dramatiq.rate_limits import RateLimiterBackend

from leadq.errors import Deferred
from leadq.settings import Settings

MICRO = 1_000_000
DAY_MS = 86_400_000
MINUTE_MS = 60_000


def _ms_until_next_minute() -> int:
    return int((60 - time.time() % 60) * 1000) + 50


def _ms_until_utc_midnight() -> int:
    now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((midnight - now).total_seconds() * 1000) + 1000


@dataclass
class AiLimits:
    """``before_call`` / ``after_call`` hooks for ``calls.ask`` (see ``engine.ModelCall``)."""

    settings: Settings
    backend: RateLimiterBackend
    namespace: str

    def _key(self, name: str, period: str) -> str:
        return f"{self.namespace}:ai:{name}:{period}"

    @staticmethod
    def _minute() -> str:
        return str(int(time.time() // 60))

    @staticmethod
    def _day() -> str:
        return datetime.now(UTC).strftime("%Y%m%d")

    def before_call(self) -> None:
        """Raise ``Deferred`` when today's budget is spent or this minute's requests/tokens are used."""
        settings = self.settings
        if settings.ai_daily_budget_usd > 0:
            budget = int(settings.ai_daily_budget_usd * MICRO)
            if not self.backend.incr(self._key("spent", self._day()), 0, budget - 1, DAY_MS * 2):
                raise Deferred(
                    f"AI daily budget of ${settings.ai_daily_budget_usd:g} is spent; resuming after "
                    "midnight UTC",
                    delay=_ms_until_utc_midnight(),
                )
        minute = self._minute()
        if settings.ai_tokens_per_minute > 0:
            key = self._key("tokens", minute)
            if not self.backend.incr(key, 0, settings.ai_tokens_per_minute - 1, MINUTE_MS * 2):
                raise Deferred(
                    f"AI token limit of {settings.ai_tokens_per_minute}/min reached",
                    delay=_ms_until_next_minute(),
                )
        if settings.ai_requests_per_minute > 0:
            key = self._key("requests", minute)
            if not self.backend.incr(key, 1, settings.ai_requests_per_minute, MINUTE_MS * 2):
                raise Deferred(
                    f"AI request limit of {settings.ai_requests_per_minute}/min reached",
                    delay=_ms_until_next_minute(),
                )

    def after_call(self, tokens: int, cost_usd: float) -> None:
        """Count what a call used (it was paid for whether or not its answer was valid)."""
        if self.settings.ai_tokens_per_minute > 0 and tokens:
            self.backend.incr(self._key("tokens", self._minute()), tokens, 2**62, MINUTE_MS * 2)
        if self.settings.ai_daily_budget_usd > 0 and cost_usd:
            self.backend.incr(self._key("spent", self._day()), round(cost_usd * MICRO), 2**62, DAY_MS * 2)
