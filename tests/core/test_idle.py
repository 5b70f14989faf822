"""An idle `leadq worker` is quiet and still starts a job at once (redis-py 5.x to 8.x)."""

from __future__ import annotations

import re
import time

import pytest
import redis

from leadq.core.enqueue import send
from leadq.core.redis_client import longest_block, redis_client, socket_timeout_for
from tests.core import sample_actors as actors
from tests.core.conftest import runs, wait_until

PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback")


def test_the_socket_timeout_outlasts_the_longest_block(settings):
    for idle in (1.0, 5.0, 30.0):
        tuned = settings.model_copy(update={"idle_wakeup_timeout": idle})
        assert socket_timeout_for(tuned) > idle
        client = redis_client(tuned.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
        assert client.connection_pool.connection_kwargs["socket_timeout"] == socket_timeout_for(tuned)
        assert longest_block(client, idle) == idle


def test_a_socket_timeout_set_in_the_url_shortens_the_block_instead(settings):
    client = redis_client(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0?socket_timeout=3"}))
    assert client.connection_pool.connection_kwargs["socket_timeout"] == 3
    assert 0 < longest_block(client, 5.0) < 3


@pytest.mark.redis
@pytest.mark.slow
def test_an_idle_worker_logs_nothing_alarming_for_20_seconds_then_starts_a_job_at_once(
    redis_settings, redis_broker, start_worker
):
    # The shipped idle wait (5 s): redis-py 8's default 5 s socket timeout ended these blocks.
    worker = start_worker(processes=1, LEADQ_IDLE_WAKEUP_TIMEOUT="5")
    time.sleep(20)
    problems = [line for line in worker.log.read_text().splitlines() if PROBLEM.search(line)]
    assert problems == [], f"redis-py {redis.__version__}:\n" + "\n".join(problems[:20])

    time.sleep(0.5)  # well inside one idle block: the job must wake the consumer
    sent = time.time()
    send(actors.record, "after-idle")
    wait_until(lambda: runs(redis_settings) == ["after-idle"], timeout=10, what="the job to run")
    client = redis.Redis.from_url(redis_settings.redis_url)
    [entry] = client.lrange(f"{redis_settings.namespace}:test:runs", 0, -1)
    started_after = float(entry.decode().split("|")[1]) - sent
    print(f"\nredis-py {redis.__version__}: quiet for 20 s, job ran {started_after * 1000:.1f} ms after send")
    assert started_after < 0.25  # polling would take up to the idle wait (5 s)
