"""Maintenance actors on real Redis and SQLite: health, stale running jobs, history retention."""

from __future__ import annotations

import socket
import time

import redis
import redis.backoff
import redis.retry
from sqlmodel import Session, select

from leadq.core.broker import build_runtime, setup_broker
from leadq.core.enqueue import send
from leadq.core.models import Job, JobEvent
from leadq.db import ensure_schema, session_scope
from leadq.ops import maintenance


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_health_check_reports_redis_and_database_and_keeps_the_result(redis_settings):
    client = redis.Redis.from_url(redis_settings.redis_url)
    health = maintenance.check_health(redis_settings, client)
    assert health.ok and health.redis_ok and health.database_ok and health.errors == ()
    maintenance.record_health(client, redis_settings.namespace, health)
    assert maintenance.last_health(client, redis_settings.namespace) == health


def test_health_check_reports_an_unreachable_redis_without_raising(settings):
    no_retry = redis.retry.Retry(redis.backoff.NoBackoff(), 0)
    dead = redis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1, retry=no_retry)
    health = maintenance.check_health(settings, dead)
    assert not health.ok and health.redis_ok is False and health.database_ok
    assert health.errors[0].startswith("ConnectionError")


def test_the_health_check_actor_runs_inline_from_the_cli(settings, use_settings, leadq):
    use_settings(settings)
    result = leadq("schedule", "run", "health_check", "--inline")
    assert result.exit_code == 0, result.output
    with Session(ensure_schema(settings)) as session:
        job = session.get(Job, result.stdout.strip())
    assert (job.actor, job.state) == ("health_check", "succeeded")


def test_cleanup_stale_jobs_requeues_a_dead_workers_message_and_fails_a_lost_one(redis_settings):
    broker = setup_broker(redis_settings)
    from leadq.actors.maintenance import cleanup_stale_jobs, health_check

    ns = redis_settings.namespace
    job_id = send(health_check)
    doomed = build_runtime(redis_settings, broker_id="doomed-worker").broker
    fetched = next(doomed.consume("maintenance", prefetch=1, timeout=2000))
    assert fetched.message_id == job_id
    assert broker.client.llen(f"{ns}:maintenance") == 0
    # The worker dies mid-job: its heartbeat stops, history still says running.
    broker.client.zadd(f"{ns}:__heartbeats__", {"doomed-worker": 0})
    long_ago = time.time() - 3600
    with session_scope(redis_settings) as session:
        running = session.get(Job, job_id)
        running.state, running.worker, running.started_at = "running", "doomed-worker", long_ago
        session.add(running)
        session.add(
            Job(
                id="lost-job",
                actor="health_check",
                queue="maintenance",
                state="running",
                worker="doomed-worker",
                started_at=long_ago,
                enqueued_at=long_ago,
            )
        )
        session.add(
            Job(
                id="young-job",
                actor="health_check",
                queue="maintenance",
                state="running",
                worker="doomed-worker",
                started_at=time.time(),
                enqueued_at=time.time(),
            )
        )

    assert cleanup_stale_jobs.fn() == {"requeued": [job_id], "failed": ["lost-job"]}

    assert broker.client.llen(f"{ns}:maintenance") == 1
    with Session(ensure_schema(redis_settings)) as session:
        states = {job.id: (job.state, job.error_type) for job in session.exec(select(Job)).all()}
    assert states == {
        job_id: ("enqueued", "WorkerLost"),
        "lost-job": ("failed", "WorkerLost"),
        "young-job": ("running", None),  # within stale_job_grace: left alone
    }
    assert cleanup_stale_jobs.fn() == {"requeued": [], "failed": []}


def test_cleanup_stale_jobs_fails_a_job_of_any_queue_running_far_past_its_time_limit(settings):
    setup_broker(settings, inline=True)
    from leadq.actors.maintenance import cleanup_stale_jobs

    now = time.time()
    with session_scope(settings) as session:
        for job_id, started in (("wedged", now - 3600), ("busy", now - 5)):
            session.add(
                Job(id=job_id, actor="health_check", queue="maintenance", state="running", started_at=started)
            )

    assert cleanup_stale_jobs.fn() == {"requeued": [], "failed": ["wedged"]}
    with Session(ensure_schema(settings)) as session:
        wedged, busy = session.get(Job, "wedged"), session.get(Job, "busy")
    assert (wedged.state, busy.state) == ("failed", "running")
    assert "past its time limit" in wedged.error_message


def test_the_cleanup_job_history_actor_deletes_only_finished_jobs_past_retention(settings):
    setup_broker(settings)
    from leadq.actors.maintenance import cleanup_job_history

    now = time.time()
    old = now - 40 * 86400
    rows = {
        "old-done": ("succeeded", old),
        "old-dead": ("dead", old),
        "new-done": ("succeeded", now - 3600),
        "old-running": ("running", old),
    }
    with session_scope(settings) as session:
        for job_id, (state, at) in rows.items():
            session.add(
                Job(
                    id=job_id,
                    actor="a",
                    queue="maintenance",
                    state=state,
                    enqueued_at=old,
                    finished_at=at,
                    updated_at=at,
                )
            )
            session.add(JobEvent(job_id=job_id, state=state, at=old))
    assert cleanup_job_history.fn() == 2  # retention: the 30-day default
    with Session(ensure_schema(settings)) as session:
        assert sorted(j.id for j in session.exec(select(Job)).all()) == ["new-done", "old-running"]
        assert sorted(e.job_id for e in session.exec(select(JobEvent)).all()) == ["new-done", "old-running"]
