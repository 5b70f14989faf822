"""Embedded mode: the same actors and middleware in-process on the StubBroker."""

from __future__ import annotations

import time

import pytest

from leadq.core.broker import actor, setup_broker
from leadq.core.checkpoint import checkpoint
from leadq.core.enqueue import send, send_many
from leadq.core.inline import run_until_idle
from leadq.core.jobs import cancel_job, get_job, job_events, list_jobs
from leadq.core.models import Job
from leadq.core.ratelimit import rate_limit
from leadq.db import session_scope
from leadq.errors import TransientError

calls: list[str] = []


@actor(queue="maintenance", max_retries=1, min_backoff=0.01, max_backoff=0.02)
def limited(tag: str) -> None:
    with rate_limit("embedded-test", limit=1, per=1.0):
        calls.append(tag)


@actor(queue="maintenance", max_retries=1, min_backoff=0.01)
def slow_down(tag: str) -> None:
    calls.append(tag)
    if calls.count(tag) == 1:
        raise TransientError("503 from example.com", retry_after=0.3)


@actor(queue="maintenance", max_retries=0)
def loop_until_cancelled(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        checkpoint()
        time.sleep(0.01)


@pytest.fixture(autouse=True)
def _embedded(settings):
    calls.clear()
    setup_broker(settings)


def test_the_maintenance_actor_runs_in_process_and_prunes_old_history(settings):
    old = time.time() - 40 * 86400
    with session_scope(settings) as session:
        session.add(Job(id="old-job", actor="record", queue="maintenance", state="succeeded", updated_at=old))
        session.add(
            Job(id="old-but-running", actor="record", queue="maintenance", state="running", updated_at=old)
        )
    from leadq.actors.maintenance import cleanup_job_history

    job_id = send(cleanup_job_history, 30)
    run_until_idle(timeout=30)
    assert get_job(settings, job_id).state == "succeeded"
    assert get_job(settings, "old-job") is None
    assert get_job(settings, "old-but-running") is not None


def test_a_rate_limited_job_is_deferred_without_spending_its_retries(settings):
    ids = send_many(limited, [("a",), ("b",), ("c",)])
    run_until_idle(timeout=30)
    assert sorted(calls) == ["a", "b", "c"]  # max_retries=1, yet all three got through
    assert {get_job(settings, j).state for j in ids} == {"succeeded"}
    assert {get_job(settings, j).attempt for j in ids} == {1}
    deferred = [e for j in ids for e in job_events(settings, j) if e.error_type == "Deferred"]
    assert len(deferred) >= 2 and {e.state for e in deferred} == {"enqueued"}


def test_retry_after_from_a_transient_error_sets_the_least_backoff(settings):
    job_id = send(slow_down, "x")
    run_until_idle(timeout=30)
    events = job_events(settings, job_id)
    retrying = next(e for e in events if e.state == "retrying")
    second_run = [e for e in events if e.state == "running"][1]
    assert second_run.at - retrying.at >= 0.3
    assert retrying.error_message == "503 from example.com"


def test_a_running_job_stops_at_its_checkpoint_when_cancelled(settings):
    from threading import Thread

    job_id = send(loop_until_cancelled, 30)
    runner = Thread(target=run_until_idle, kwargs={"timeout": 30})
    runner.start()
    deadline = time.monotonic() + 10
    while get_job(settings, job_id).state != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    cancel_job(setup_broker(settings), settings, job_id)
    runner.join(timeout=20)
    assert not runner.is_alive()
    assert get_job(settings, job_id).state == "cancelled"


def test_inline_jobs_appear_in_history_with_their_parent(settings):
    @actor(queue="maintenance", max_retries=0)
    def fan_out(n: int) -> None:
        send_many(leaf, [(i,) for i in range(n)])

    @actor(queue="maintenance", max_retries=0)
    def leaf(i: int) -> None:
        calls.append(str(i))

    root = send(fan_out, 5)
    run_until_idle(timeout=30)
    children = list_jobs(settings, parent_id=root)
    assert len(children) == 5
    assert {c.state for c in children} == {"succeeded"}
