"""The supervisor as an operator sees it: its log, `ps`, and SIGHUP."""

from __future__ import annotations

import re
import signal
import time
from collections import Counter

import pytest

from leadq.core.enqueue import send_many
from tests.core import sample_actors as actors
from tests.core.conftest import wait_until

pytestmark = pytest.mark.redis


def test_processes_have_titles_and_the_supervisor_logs_at_info(start_worker):
    worker = start_worker(processes=2)
    queues = "[scrape,pagespeed,email,campaign,ai,demo,maintenance]"
    titles = sorted(title.split(" ")[:4] for _, title in worker.titles())
    assert titles == [["leadq", "worker", "1/2", queues], ["leadq", "worker", "2/2", queues]]
    import psutil

    assert " ".join(psutil.Process(worker.proc.pid).cmdline()).startswith("leadq supervisor 2x")
    log = worker.log.read_text()
    assert re.search(r"supervisor INFO leadq.ops.supervisor: started worker process 1/2 ", log), log
    banner = log.splitlines()[0]
    assert banner.endswith("demo, maintenance"), banner  # one line, not wrapped at 80 columns


@pytest.mark.slow
def test_sighup_replaces_the_worker_processes_one_by_one_without_dropping_a_job(
    redis_settings, redis_broker, start_worker, tmp_path
):
    tally = tmp_path / "tally.txt"
    worker = start_worker(processes=2, **{actors.TALLY_FILE: str(tally)})
    old = set(worker.children())
    job_ids = send_many(actors.tally, [(0.1,) for _ in range(150)])

    def done() -> list[str]:
        return [line.split("|")[0] for line in tally.read_text().splitlines()] if tally.exists() else []

    wait_until(lambda: len(done()) >= 10, what="jobs to start")
    worker.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "reload: done" in worker.log.read_text(), timeout=60, what="the reload to finish")
    new = set(worker.children())
    assert len(new) == 2 and not new & old

    # One by one: the second replacement starts only after the first old process left.
    events = [
        ("started" if "started worker process" in line else "replaced", line)
        for line in worker.log.read_text().splitlines()
        if "started worker process" in line or "replaced (reload)" in line
    ][2:]  # after the two initial starts
    assert [kind for kind, _ in events] == ["started", "replaced", "started", "replaced"], events

    wait_until(lambda: set(done()) == set(job_ids), timeout=60, what="every job")
    time.sleep(1)
    runs = Counter(done())
    print(f"\nreload under load: {len(job_ids)} jobs, {sum(runs.values()) - len(runs)} ran twice")
    assert max(runs.values()) == 1  # stopped gracefully: nothing dropped, nothing run twice
    assert worker.proc.poll() is None
