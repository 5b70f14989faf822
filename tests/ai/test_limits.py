"""Budget and rate limits on model calls: shared through the backend, over a limit a job is deferred."""

from __future__ import annotations

import time

import pytest
import redis
from dramatiq.rate_limits.backends import RedisBackend, StubBackend

from leadq.ai.limits import AiLimits
from leadq.core.broker import setup_broker
from leadq.core.enqueue import send
from leadq.core.inline import run_until_idle
from leadq.core.jobs import get_job
from leadq.errors import Deferred, UserError

from .chat_server import json_completion
from .test_score import add_leads


def _limits(settings, backend=None, **limits) -> AiLimits:
    return AiLimits(settings.model_copy(update=limits), backend or StubBackend(), "leadq-test")


def _start_of_a_minute(room: float = 15.0) -> None:
    """Limits count per calendar minute: a test that must stay within one waits for a fresh one."""
    left = 60 - time.time() % 60
    if left < room:
        time.sleep(left + 0.05)


def test_requests_per_minute(settings):
    _start_of_a_minute()
    limits = _limits(settings, ai_requests_per_minute=2)
    limits.before_call()
    limits.before_call()
    with pytest.raises(Deferred, match="request limit of 2/min") as caught:
        limits.before_call()
    assert 0 < caught.value.delay <= 60_100


def test_tokens_per_minute_count_what_calls_used(settings):
    _start_of_a_minute()
    limits = _limits(settings, ai_tokens_per_minute=100)
    limits.before_call()
    limits.after_call(150, 0.0)
    with pytest.raises(Deferred, match="token limit"):
        limits.before_call()


def test_the_daily_budget_defers_until_midnight_utc(settings):
    limits = _limits(settings, ai_daily_budget_usd=0.01)
    limits.before_call()
    limits.after_call(1000, 0.004)
    limits.before_call()
    limits.after_call(1000, 0.007)
    with pytest.raises(Deferred, match=r"daily budget of \$0.01 is spent") as caught:
        limits.before_call()
    assert caught.value.delay <= 86_401_000


@pytest.mark.redis
def test_limits_are_shared_by_every_worker_through_redis(redis_settings):
    _start_of_a_minute()
    client = redis.Redis.from_url(redis_settings.redis_url)
    one, other = (
        AiLimits(
            redis_settings.model_copy(update={"ai_requests_per_minute": 1}), RedisBackend(client=client), ns
        )
        for ns in (redis_settings.namespace, redis_settings.namespace)
    )
    one.before_call()
    with pytest.raises(Deferred):
        other.before_call()


def test_a_job_over_budget_waits_without_spending_a_retry(settings, chat):
    ids = add_leads(settings)
    limited = settings.model_copy(
        update={
            "ai_engine": "openai",
            "ai_base_url": chat.url,
            "ai_timeout": 2.0,
            "ai_requests_per_minute": 1,
        }
    )
    setup_broker(limited, inline=True)
    from leadq.actors.ai import analyze_lead

    _start_of_a_minute()
    chat.script(json_completion({"summary": "A slow site on an old builder.", "extra_reasons": []}))
    first = send(analyze_lead, ids["old"])
    second = send(analyze_lead, ids["nosite"])
    with pytest.raises(UserError, match="still running"):
        run_until_idle(timeout=3)
    jobs = [get_job(limited, first), get_job(limited, second)]
    assert sorted(job.state == "succeeded" for job in jobs) == [False, True]
    waiting = next(job for job in jobs if job.state != "succeeded")
    assert waiting.state in ("enqueued", "running") and waiting.attempt == 1
    assert len(chat.requests) == 1
