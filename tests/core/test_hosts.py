"""Several machines on one Redis: host ids in heartbeats, and `leadq doctor`'s clock and storage checks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
import redis

from leadq.core.hosts import clock_offset, worker_hosts
from leadq.ops.doctor import check_clock, check_hosts
from tests.core.conftest import worker_env

pytestmark = pytest.mark.redis


def test_workers_carry_their_host_id_and_doctor_sees_them(redis_settings, start_worker):
    start_worker(LEADQ_HOST_ID="vps-2")
    client = redis.Redis.from_url(redis_settings.redis_url)
    assert worker_hosts(client, redis_settings) == {"vps-2"}

    here = redis_settings.model_copy(update={"host_id": "vps-1"})
    warning = check_hosts(here)  # SQLite here, workers on another host
    assert warning.status == "warn", warning
    assert "workers on other hosts (vps-2) share this Redis, but this host (vps-1)" in warning.detail
    assert "LEADQ_DATABASE_URL" in warning.detail

    shared = here.model_copy(update={"database_url": "postgresql+psycopg://leadq@db.internal/leadq"})
    assert check_hosts(shared).status == "ok"
    alone = redis_settings.model_copy(update={"host_id": "vps-2"})  # the workers' own host on SQLite
    assert check_hosts(alone).detail == "this host: vps-2; hosts with live workers: vps-2"


def test_a_stopped_hosts_heartbeats_go_stale(redis_settings, start_worker):
    worker = start_worker(LEADQ_HOST_ID="vps-gone", LEADQ_HEARTBEAT_TIMEOUT="1")
    worker.kill_all()
    client = redis.Redis.from_url(redis_settings.redis_url)
    fast = redis_settings.model_copy(update={"heartbeat_timeout": 1.0})
    time.sleep(1.5)
    assert worker_hosts(client, fast) == set()


def test_this_hosts_clock_agrees_with_redis(redis_settings):
    offset = clock_offset(redis.Redis.from_url(redis_settings.redis_url))
    assert abs(offset.seconds) < 0.5 and offset.uncertainty < 0.5
    assert check_clock(redis_settings).status == "ok"


def test_doctor_warns_when_this_hosts_clock_is_5_seconds_off(redis_settings):
    if shutil.which("faketime") is None:
        if os.environ.get("CI"):
            pytest.fail("faketime is required under CI (scripts/test installs it)")
        pytest.skip("faketime not installed (scripts/test installs Debian's faketime)")
    env = worker_env(redis_settings)
    # libfaketime moves this process's clock 5 s ahead; Redis keeps the real time.
    done = subprocess.run(
        ["faketime", "-f", "+5s", sys.executable, "-m", "leadq", "doctor", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    checks = {c["name"]: c for c in json.loads(done.stdout)}
    assert checks["clock"]["status"] == "warn", checks["clock"]
    assert checks["clock"]["detail"].startswith("this host's clock is 5.0 s ahead of Redis's")
