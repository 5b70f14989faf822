"""`leadq top`: a frame drawn from real Redis and job-history data, and the live loop quits on `q`."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest
from leadq.cli.top import render_frame
from rich.console import Console
from sqlmodel import Session

from leadq.core.broker import setup_broker
from leadq.core.enqueue import send
from leadq.core.models import Job
from leadq.db import ensure_schema
from leadq.ops.maintenance import check_health, record_health
from leadq.ops.top_snapshot import collect_snapshot, percentile

from .conftest import settings_env

NOW = 1_800_000_000.0

QUEUES_FRAME = """\

queue      scrape  pagespeed   email  campaign      ai    demo  maintenance
ready           0          0       0         0       0       0            3
delayed         0          0       0         0       0       0            1
in flight       0          0       0         0       0       0            0
dead            0          0       0         0       0       0            0
last 15m   ▂▁▁▁▂█     ▁▁▁▁▁▁  ▁▁▁▁▁▁    ▁▁▁▁▁▁  ▁▁▁▁▁▁  ▁▁▁▁▁▁       ▁▁▁▁▁▁
"""

#: The last row: finished jobs per 2.5 minutes over 15, one scale for every queue.
#: 12 scrape_listing jobs in 5 min (10 in the last minute, 2 dead), one audit 13 min ago.
ACTORS_FRAME = """\
actor           per min 1m/5m/15m  failed 1m/5m/15m  p50 ms  p95 ms
audit_site            0.0 0.0 0.1            - - 0%    2000    2000
scrape_listing       10.0 2.4 0.8        0% 17% 17%      50     100

last errors
at        actor           job  error
07:56:42  scrape_listing  d2   dead PermanentError: HTTP 404 for listing 2
07:56:41  scrape_listing  d1   dead PermanentError: HTTP 404 for listing 1
07:00:00  audit_site      old  failed TransientError: an hour ago
"""


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([30.0, 10.0, 20.0], 0.5) == 20.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0


def _history(settings) -> None:
    def job(job_id: str, actor: str, state: str, ago: float, **fields) -> Job:
        return Job(id=job_id, actor=actor, queue="scrape", state=state, finished_at=NOW - ago, **fields)

    jobs = [job(f"s{i}", "scrape_listing", "succeeded", 30, duration_ms=10.0 * i) for i in range(1, 11)]
    jobs += [
        job(
            f"d{i}",
            "scrape_listing",
            "dead",
            200,
            updated_at=NOW - 200 + i,
            error_type="PermanentError",
            error_message=f"HTTP 404 for listing {i}",
        )
        for i in range(1, 3)
    ]
    jobs.append(job("a1", "audit_site", "succeeded", 800, duration_ms=2000.0))
    jobs.append(
        job(
            "old",
            "audit_site",
            "failed",
            3600,
            updated_at=NOW - 3600,
            error_type="TransientError",
            error_message="an hour ago",
        )
    )
    with Session(ensure_schema(settings)) as session:
        session.add_all(jobs)
        session.commit()


def test_a_frame_shows_queues_workers_actors_errors_and_health_from_real_data(redis_settings):
    broker = setup_broker(redis_settings)
    from leadq.actors.maintenance import health_check

    for _ in range(3):
        send(health_check)
    send(health_check, delay=3600)
    broker.client.zadd(f"{redis_settings.namespace}:__heartbeats__", {"worker-a": time.time() * 1000})
    record_health(broker.client, redis_settings.namespace, check_health(redis_settings, broker.client))
    _history(redis_settings)

    snapshot = collect_snapshot(broker, now=NOW)
    console = Console(width=110, record=True, color_system=None, file=open(os.devnull, "w"))
    console.print(render_frame(snapshot))
    # Rich pads titles with spaces; compare lines without trailing blanks.
    text = "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"

    assert text.startswith("leadq top  08:00:00 UTC  q quits  live workers (1): worker-a\nhealth: ok at ")
    assert QUEUES_FRAME in text
    # The failure an hour ago is listed as an error but counts in no window.
    assert text.endswith(ACTORS_FRAME)


def test_top_json_prints_the_snapshot(redis_settings, use_settings, leadq):
    use_settings(redis_settings)
    result = leadq("top", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [q["queue"] for q in data["queues"]][-1] == "maintenance"
    assert data["workers"] == [] and data["actors"] == []


def test_top_needs_redis_and_says_so(settings, use_settings, leadq):
    use_settings(settings)
    result = leadq("top", "--once")
    assert result.exit_code == 1 and "embedded mode" in result.stderr


@pytest.mark.redis
def test_the_live_dashboard_quits_on_q_in_a_terminal(redis_settings):
    env = {**os.environ, **settings_env(redis_settings), "TERM": "xterm", "COLUMNS": "120", "LINES": "40"}
    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "leadq", "top"],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        close_fds=True,
    )
    os.close(child)
    screen = b""
    deadline = time.monotonic() + 30
    while b"live workers" not in screen and time.monotonic() < deadline:
        if select.select([main], [], [], 0.5)[0]:
            screen += os.read(main, 65536)
    assert b"live workers" in screen
    os.write(main, b"q")
    try:
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        os.close(main)
