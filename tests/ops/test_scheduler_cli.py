"""`leadq scheduler` as real processes: fires due schedules into Redis once, stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
import redis
from sqlmodel import Session, col, select

from leadq.core.broker import setup_broker
from leadq.core.models import Job
from leadq.db import ensure_schema
from leadq.ops.maintenance import last_health
from leadq.ops.schedules import find_periodic

from .conftest import settings_env

FIRED = re.compile(r'"message": "fired (\w+) for (\S+) as job ([\w-]+)')


def start_schedulers(redis_settings, count: int) -> list[subprocess.Popen]:
    # A 60 s on-time window makes the current minute's health_check tick due at start;
    # several processes start early enough in a minute to all see the same tick.
    while count > 1 and time.time() % 60 > 52:
        time.sleep(0.5)
    env = {
        **os.environ,
        **settings_env(redis_settings),
        "LEADQ_SCHEDULE_ON_TIME_WINDOW": "60",
        "LEADQ_LOG_FORMAT": "json",
    }
    command = [sys.executable, "-m", "leadq", "scheduler"]
    return [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]


def stop(processes: list[subprocess.Popen]) -> str:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    logs = ""
    for process in processes:
        _, stderr = process.communicate(timeout=20)
        assert process.returncode == 0, stderr
        logs += stderr
    return logs


def wait_for_messages(redis_settings, processes) -> redis.Redis:
    client = redis.Redis.from_url(redis_settings.redis_url)
    deadline = time.monotonic() + 30
    while client.llen(f"{redis_settings.namespace}:maintenance") == 0 and time.monotonic() < deadline:
        assert all(p.poll() is None for p in processes)
        time.sleep(0.1)
    time.sleep(1)  # let the slower process reach its own first tick
    return client


@pytest.mark.redis
def test_a_scheduled_health_check_runs_on_a_real_worker_and_shows_in_the_list(
    redis_settings, use_settings, leadq
):
    env = {**os.environ, **settings_env(redis_settings)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "leadq", "worker", "--queues", "maintenance", "--processes", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    processes = start_schedulers(redis_settings, 1)
    try:
        job = None
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and (job is None or job.state != "succeeded"):
            assert processes[0].poll() is None and worker.poll() is None
            with Session(ensure_schema(redis_settings)) as session:
                job = session.exec(select(Job).where(Job.actor == "health_check")).first()
            time.sleep(0.2)
        assert job is not None and job.state == "succeeded"
    finally:
        logs = stop(processes)
        stop([worker])
    assert "fired health_check for" in logs
    client = redis.Redis.from_url(redis_settings.redis_url)
    assert last_health(client, redis_settings.namespace).ok
    use_settings(redis_settings)
    rows = {row["id"]: row for row in json.loads(leadq("schedule", "list", "--json").stdout)}
    # A minute boundary while the scheduler stops fires it once more: the newest job is the last.
    with Session(ensure_schema(redis_settings)) as session:
        newest = session.exec(
            select(Job).where(Job.actor == "health_check").order_by(col(Job.enqueued_at).desc())
        ).first()
    assert rows["health_check"]["last_job"] == newest.id
    assert rows["health_check"]["last_run"] is not None


@pytest.mark.redis
def test_two_scheduler_processes_fire_each_tick_once(redis_settings):
    processes = start_schedulers(redis_settings, 2)
    client = wait_for_messages(redis_settings, processes)
    logs = stop(processes)
    fired = Counter((name, tick) for name, tick, _ in FIRED.findall(logs))
    assert fired and set(fired.values()) == {1}, fired
    # One tick, or two when a minute boundary passes while the processes start.
    assert 1 <= sum(1 for name, _ in fired if name == "health_check") <= 2
    broker = setup_broker(redis_settings)
    on_maintenance = [
        name for name, _ in fired if find_periodic(broker, redis_settings, name).queue == "maintenance"
    ]
    assert client.llen(f"{redis_settings.namespace}:maintenance") == len(on_maintenance)


def test_the_scheduler_refuses_to_run_without_redis(settings, use_settings, leadq):
    use_settings(settings)
    result = leadq("scheduler")
    assert result.exit_code == 1 and "set LEADQ_REDIS_URL" in result.stderr
