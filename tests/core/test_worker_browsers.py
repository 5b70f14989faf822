"""No Chromium outlives its job or its worker process, however that process ends.

Counted by the marker every browser carries (``leadq.browser.OWNER_ENV``, the
pid of the worker process that started it), so Chromiums of other test runs on
the same machine are never counted.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from leadq.browser import browsers_of
from leadq.core.enqueue import send
from leadq.core.jobs import cancel_job, get_job
from tests.core import browser_actors as actors
from tests.core.conftest import runs, wait_until
from tests.pagespeed.conftest import LocalServer
from tests.pagespeed.pages import install

pytestmark = [pytest.mark.redis, pytest.mark.chromium, pytest.mark.slow]

ACTORS = '["tests.core.sample_actors", "tests.core.browser_actors"]'


@pytest.fixture(scope="module")
def site():
    server = LocalServer()
    install(server)
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def browser_worker(start_worker, **env: str):
    return start_worker(
        LEADQ_ACTOR_MODULES=ACTORS, LEADQ_ALLOW_PRIVATE_URLS="1", LEADQ_BROWSER_PAGE_TIMEOUT="60", **env
    )


def state(settings, job_id):
    job = get_job(settings, job_id)
    return job.state if job else None


def test_a_graceful_stop_leaves_no_browser(redis_settings, redis_broker, start_worker, site):
    worker = browser_worker(start_worker)
    [child] = worker.children()
    send(actors.audit, f"{site.url}/fast")
    wait_until(lambda: runs(redis_settings) == [f"{site.url}/fast"], timeout=60, what="the audit")
    assert browsers_of(child), "the audit's browser waits in the pool for the next audit"
    worker.stop()
    assert worker.proc.returncode == 0
    assert browsers_of(child) == []


def test_a_recycled_worker_process_leaves_no_browser(redis_settings, redis_broker, start_worker, site):
    worker = browser_worker(start_worker, LEADQ_WORKER_MAX_MESSAGES="1")
    [child] = worker.children()
    send(actors.audit, f"{site.url}/fast")
    wait_until(lambda: runs(redis_settings) == [f"{site.url}/fast"], timeout=60, what="the audit")
    wait_until(lambda: child not in worker.children(), timeout=30, what="the process to recycle")
    wait_until(lambda: not browsers_of(child), timeout=15, what="the recycled process's browsers to go")


def test_kill_9_of_a_worker_process_mid_audit_leaves_no_browser(
    redis_settings, redis_broker, start_worker, site
):
    worker = browser_worker(start_worker)
    [child] = worker.children()
    send(actors.audit, f"{site.url}/hang")
    wait_until(lambda: runs(redis_settings, "started"), timeout=60, what="the audit to start")
    time.sleep(1)  # the page is loading
    assert len(browsers_of(child)) >= 3, "chromedriver, the browser and its helpers run"
    os.kill(child, signal.SIGKILL)
    wait_until(lambda: not browsers_of(child), timeout=20, what="the killed process's browsers to go")


def test_the_time_limit_interrupts_a_page_load(redis_settings, redis_broker, start_worker, site):
    browser_worker(start_worker)
    started = time.monotonic()
    job_id = send(actors.load_within_four_seconds, f"{site.url}/hang")  # the page takes 20 s
    wait_until(lambda: state(redis_settings, job_id) == "dead", timeout=40, what="the job to end")
    elapsed = time.monotonic() - started
    assert runs(redis_settings) == []
    assert get_job(redis_settings, job_id).error_type in ("TimeLimitExceeded", "TransientError")
    assert elapsed < 15, f"the job ended {elapsed:.1f} s after it was sent (limit 4 s, page 20 s)"


def test_a_cancel_interrupts_a_page_load(redis_settings, redis_broker, start_worker, site):
    worker = browser_worker(start_worker)
    [child] = worker.children()
    job_id = send(actors.load, f"{site.url}/hang")
    wait_until(lambda: runs(redis_settings, "started"), timeout=60, what="the load to start")
    time.sleep(0.5)
    cancelled = time.monotonic()
    cancel_job(redis_broker, redis_settings, job_id)
    wait_until(
        lambda: state(redis_settings, job_id) == "cancelled", timeout=30, what="the job to be cancelled"
    )
    assert time.monotonic() - cancelled < 10
    assert runs(redis_settings) == []
    wait_until(lambda: not browsers_of(child), timeout=10, what="the cancelled job's browser to go")


def test_a_graceful_stop_interrupts_a_page_load_and_the_job_runs_again_later(
    redis_settings, redis_broker, start_worker, site
):
    worker = browser_worker(start_worker)
    [child] = worker.children()
    job_id = send(actors.load, f"{site.url}/hang")  # the page takes 20 s
    wait_until(lambda: runs(redis_settings, "started"), timeout=60, what="the load to start")
    time.sleep(0.5)
    stopping = time.monotonic()
    worker.stop()
    assert time.monotonic() - stopping < 12, "the stop did not wait for the 20 s page"
    assert worker.proc.returncode == 0
    assert state(redis_settings, job_id) not in ("dead", "failed", "succeeded")
    assert browsers_of(child) == []
