"""`leadq worker` rides out Redis outages: killed and restarted, or paused.

Each test runs its own redis-server (append-only file, fsync every second)
so it can kill it, sends 500 jobs, breaks Redis mid-batch and checks that
every job ran, none was enqueued twice, the worker never exited or lost a
process, and the log says one WARNING and one INFO about it, nothing else.
Runs are tallied in a file, which stays readable while Redis is away.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest
import redis

from leadq.core.broker import setup_broker
from leadq.core.enqueue import send_many
from tests.core import sample_actors as actors
from tests.core.conftest import WorkerProcess, wait_until, worker_env

pytestmark = [pytest.mark.redis, pytest.mark.slow]

JOBS = 500
PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback")


class Tally:
    def __init__(self, path: Path) -> None:
        self.path = path

    def lines(self) -> list[tuple[str, str]]:
        if not self.path.exists():
            return []
        return [tuple(line.split("|")) for line in self.path.read_text().splitlines()]

    def jobs_done(self) -> int:
        return len({job_id for job_id, _ in self.lines()})


@pytest.fixture
def outage_worker(own_redis, redis_settings, tmp_path):
    """A 2-process `leadq worker` on the test's own Redis, and 500 jobs for it."""
    settings = redis_settings.model_copy(update={"redis_url": own_redis.url})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tally = Tally(tmp_path / "tally.txt")
    env = worker_env(settings, **{actors.TALLY_FILE: str(tally.path)})
    worker = WorkerProcess(settings, tmp_path / "worker.log", ["--processes", "2", "--threads", "4"], env)
    try:
        worker.wait_ready(2)
        setup_broker(settings)
        job_ids = send_many(actors.tally, [(0.04,) for _ in range(JOBS)])
        yield worker, tally, job_ids
    finally:
        worker.stop()


def check_outcome(
    worker: WorkerProcess, tally: Tally, job_ids: list[str], children: list[int], *, reported: bool = True
) -> int:
    """Checks the batch and the log (one WARNING and one INFO if ``reported``, else nothing)
    and returns how many runs were redeliveries."""
    wait_until(lambda: tally.jobs_done() == JOBS, timeout=60, what="all 500 jobs after the outage")
    lines = tally.lines()
    runs_per_job = Counter(job_id for job_id, _ in lines)
    enqueues_per_job = Counter(job_id for job_id, _ in set(lines))
    redeliveries = len(lines) - len(set(lines))  # one enqueue run again: at-least-once
    duplicates = sum(n - 1 for n in enqueues_per_job.values())  # one job enqueued twice
    print(f"\n{JOBS} jobs: {len(runs_per_job)} done, {redeliveries} redelivered, {duplicates} duplicates")
    assert set(runs_per_job) == set(job_ids)
    assert duplicates == 0
    assert worker.proc.poll() is None, "the worker exited"
    assert sorted(worker.children()) == sorted(children), "a worker process died"
    log = worker.log.read_text()
    problems = [line for line in log.splitlines() if PROBLEM.search(line)]
    if not reported:
        assert problems == []
        return redeliveries
    assert len(problems) == 1 and "Redis unreachable" in problems[0], "\n".join(problems)
    assert log.count("Redis reachable again") == 1, log[-3000:]
    return redeliveries


def test_redis_killed_and_restarted_mid_batch_loses_no_job(own_redis, outage_worker):
    worker, tally, job_ids = outage_worker
    children = worker.children()
    wait_until(lambda: tally.jobs_done() >= 100, what="a fifth of the batch")
    own_redis.kill()
    done_at_kill = tally.jobs_done()
    time.sleep(4)
    own_redis.start()
    restarted = time.monotonic()
    wait_until(lambda: tally.jobs_done() > done_at_kill + 16, timeout=30, what="work to resume")
    print(f"\nwork resumed {time.monotonic() - restarted:.2f} s after Redis restarted")
    check_outcome(worker, tally, job_ids, children)


@pytest.mark.parametrize("seconds", [7, 15])
def test_redis_paused_mid_batch_loses_no_job_and_runs_none_twice(own_redis, outage_worker, seconds):
    # 7 s: longer than the heartbeat timeout (6 s) but shorter than the socket
    # timeout (10 s), a stall nobody notices as an error; 15 s: an outage.
    worker, tally, job_ids = outage_worker
    children = worker.children()
    wait_until(lambda: tally.jobs_done() >= 100, what="a fifth of the batch")
    redis.Redis.from_url(own_redis.url).client_pause(seconds * 1000)
    paused = time.monotonic()
    done_at_pause = tally.jobs_done()
    wait_until(lambda: tally.jobs_done() > done_at_pause + 16, timeout=40, what="work to resume")
    print(f"\nwork resumed {time.monotonic() - paused - seconds:.2f} s after the {seconds} s pause ended")
    redeliveries = check_outcome(worker, tally, job_ids, children, reported=seconds > 10)
    # Every worker stayed alive and vouched for: none may be taken for dead.
    assert redeliveries == 0
