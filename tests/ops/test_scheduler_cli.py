"""`leadq scheduler` as a real process: fires a due schedule into Redis, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from sqlmodel import Session, select

from leadq.core.models import Job
from leadq.db import ensure_schema

from .conftest import settings_env


@pytest.mark.redis
def test_the_scheduler_process_enqueues_the_health_check_and_stops_on_sigterm(redis_settings):
    # A 60 s on-time window makes the current minute's health_check tick due at start.
    env = {
        **os.environ,
        **settings_env(redis_settings),
        "LEADQ_SCHEDULE_ON_TIME_WINDOW": "60",
        "LEADQ_LOG_FORMAT": "json",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "leadq", "scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    client = redis.Redis.from_url(redis_settings.redis_url)
    queue = f"{redis_settings.namespace}:maintenance"
    deadline = time.monotonic() + 30
    while client.llen(queue) == 0 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert client.llen(queue) >= 1
    assert '"message": "fired health_check for' in stderr
    assert "schedule daily_campaign_analytics not available" in stderr
    with Session(ensure_schema(redis_settings)) as session:
        assert session.exec(select(Job.state).where(Job.actor == "health_check")).first() == "enqueued"


def test_the_scheduler_refuses_to_run_without_redis(settings, use_settings, leadq):
    use_settings(settings)
    result = leadq("scheduler")
    assert result.exit_code == 1 and "set LEADQ_REDIS_URL" in result.stderr
