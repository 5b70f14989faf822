"""The engine end to end: `leadq worker` processes on a real Redis."""

from __future__ import annotations

import os
import signal
import time

import pytest
import redis

from leadq.core import deadletters
from leadq.core.broker import current_runtime
from leadq.core.enqueue import send, send_many
from leadq.core.jobs import cancel_job, get_job, job_events
from leadq.core.queues import purge_queue, queue_stats
from tests.core import sample_actors as actors
from tests.core.conftest import runs, wait_until

pytestmark = pytest.mark.redis


def job_state(settings, job_id):
    job = get_job(settings, job_id)
    return job.state if job else None


def test_transient_failures_are_retried_with_backoff_until_success(
    redis_settings, redis_broker, start_worker
):
    start_worker()
    job_id = send(actors.flaky, "f", 2)
    wait_until(lambda: job_state(redis_settings, job_id) == "succeeded", what="flaky job to succeed")
    events = [(e.state, e.attempt, e.error_type) for e in job_events(redis_settings, job_id)]
    assert events == [
        ("enqueued", 1, None),
        ("running", 1, None),
        ("retrying", 1, "TransientError"),
        ("running", 2, None),
        ("retrying", 2, "TransientError"),
        ("running", 3, None),
        ("succeeded", 3, None),
    ]
    assert runs(redis_settings) == ["f"]


def test_permanent_error_goes_to_dead_letters_without_retry(redis_settings, redis_broker, start_worker):
    start_worker()
    job_id = send(actors.broken, "listing-7")
    wait_until(lambda: job_state(redis_settings, job_id) == "dead", what="job to die")
    assert runs(redis_settings) == ["listing-7"]  # ran once although max_retries=5
    [letter] = deadletters.list_dead(redis_broker, redis_settings)
    assert (letter.job_id, letter.actor, letter.args, letter.attempts) == (job_id, "broken", ["listing-7"], 1)
    assert letter.error_type == "PermanentError"
    assert letter.error_message == "listing listing-7 cannot be parsed"


def test_time_limit_failure_is_recorded(redis_settings, redis_broker, start_worker):
    start_worker()
    job_id = send(actors.too_slow, 5)
    wait_until(lambda: job_state(redis_settings, job_id) == "dead", what="slow job to be stopped")
    job = get_job(redis_settings, job_id)
    assert job.error_type == "TimeLimitExceeded"
    assert job.duration_ms < 3000


def test_dead_letters_requeue_keeps_the_job_id_and_purge_marks_failed(
    redis_settings, redis_broker, start_worker
):
    start_worker()
    first, second = send(actors.broken, "a"), send(actors.broken, "b")
    wait_until(lambda: len(deadletters.list_dead(redis_broker, redis_settings)) == 2, what="two dead letters")

    requeued = deadletters.requeue(redis_broker, [deadletters.find_dead(redis_broker, redis_settings, first)])
    assert requeued == 1
    wait_until(
        lambda: get_job(redis_settings, first).attempt == 2 and job_state(redis_settings, first) == "dead"
    )
    assert sorted(runs(redis_settings)) == ["a", "a", "b"]
    states = [e.state for e in job_events(redis_settings, first)]
    assert states == ["enqueued", "running", "dead", "enqueued", "running", "dead"]

    letters = deadletters.list_dead(redis_broker, redis_settings, queue="maintenance")
    assert deadletters.purge(redis_broker, letters) == 2
    assert deadletters.list_dead(redis_broker, redis_settings) == []
    assert job_state(redis_settings, second) == "failed"


def test_queue_purge_removes_waiting_jobs_but_keeps_dead_letters(redis_settings, redis_broker, start_worker):
    worker = start_worker()
    send(actors.broken, "dead-one")
    wait_until(lambda: queue_stats(redis_broker)[-1].dead == 1, what="a dead letter")
    worker.stop()
    waiting = send_many(actors.record, [(f"w{i}",) for i in range(5)])
    send(actors.record, "later", delay=60)
    assert purge_queue(redis_broker, "maintenance", dry_run=True) == 6
    assert purge_queue(redis_broker, "maintenance") == 6
    stats = {s.queue: s for s in queue_stats(redis_broker)}["maintenance"]
    assert (stats.ready, stats.delayed, stats.dead) == (0, 0, 1)
    assert {job_state(redis_settings, j) for j in waiting} == {"cancelled"}


def test_cancel_removes_a_queued_job_and_stops_a_running_one(redis_settings, redis_broker, start_worker):
    queued = send(actors.record, "never")
    assert cancel_job(redis_broker, redis_settings, queued) == "removed from its queue"
    assert job_state(redis_settings, queued) == "cancelled"
    assert cancel_job(redis_broker, redis_settings, queued) == "already cancelled"

    start_worker()
    running = send(actors.long_loop, "loop", 30)
    wait_until(lambda: job_state(redis_settings, running) == "running", what="long job to start")
    assert cancel_job(redis_broker, redis_settings, running).startswith("flagged")
    wait_until(lambda: job_state(redis_settings, running) == "cancelled", timeout=10, what="cancel")
    assert runs(redis_settings) == []


def test_unique_key_returns_the_existing_job(redis_settings, redis_broker):
    first = send(actors.record, "u", unique_key="audit:example.com:2026-11-21")
    again = send(actors.record, "u", unique_key="audit:example.com:2026-11-21")
    other = send(actors.record, "u", unique_key="audit:example.org:2026-11-21")
    assert first == again != other
    assert {s.queue: s.ready for s in queue_stats(redis_broker)}["maintenance"] == 2


def test_batched_enqueue_keeps_delays_and_history(redis_settings, redis_broker, start_worker):
    ids = send_many(actors.record, [(f"n{i}",) for i in range(50)])
    delayed = send_many(actors.record, [("d1",), ("d2",)], delay=1.0)
    assert len(set(ids + delayed)) == 52
    stats = {s.queue: s for s in queue_stats(redis_broker)}["maintenance"]
    assert (stats.ready, stats.delayed) == (50, 2)
    current_runtime().history.flush()
    assert {job_state(redis_settings, j) for j in ids + delayed} == {"enqueued"}
    start_worker()
    wait_until(lambda: len(runs(redis_settings)) == 52, what="all 52 jobs")


def test_kill_9_of_a_worker_process_loses_no_job(redis_settings, redis_broker, start_worker):
    worker = start_worker(processes=2)
    ids = send_many(actors.sleepy, [(f"s{i}", 0.3) for i in range(40)])
    wait_until(lambda: len(runs(redis_settings, "started")) >= 4, what="jobs to start")
    victim = worker.children()[0]
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    wait_until(lambda: len(set(runs(redis_settings))) == 40, timeout=60, what="every job to finish")
    assert time.monotonic() - killed_at < 15
    wait_until(lambda: {job_state(redis_settings, j) for j in ids} == {"succeeded"}, what="history")
    assert len(worker.children()) == 2  # the supervisor replaced the dead process


def test_messages_of_a_worker_killed_whole_come_back_within_the_heartbeat_bound(
    redis_settings, redis_broker, start_worker
):
    # The shipped defaults, spelled out because the fixture shortens the idle wait.
    defaults = {
        "LEADQ_HEARTBEAT_TIMEOUT": "6",
        "LEADQ_MAINTENANCE_INTERVAL": "2",
        "LEADQ_IDLE_WAKEUP_TIMEOUT": "5",
    }
    doomed = start_worker(**defaults)
    ids = send_many(actors.sleepy, [(f"s{i}", 0.5) for i in range(10)])
    wait_until(lambda: len(runs(redis_settings, "started")) >= 2, what="jobs to start")
    doomed.kill_all()  # supervisor and children: nobody is left to vouch or reap
    killed_at = time.time()
    start_worker(**defaults)
    # README: they start again within heartbeat timeout + one idle wait + one maintenance
    # tick (13 s) on a worker already up, plus 2 s; a loaded machine may take longer than
    # the timeout to start this one.
    timeout, idle, tick = (
        float(defaults[f"LEADQ_{name}"])
        for name in ("HEARTBEAT_TIMEOUT", "IDLE_WAKEUP_TIMEOUT", "MAINTENANCE_INTERVAL")
    )
    noticed = max(timeout, time.time() - killed_at)
    wait_until(lambda: len(set(runs(redis_settings))) == 10, timeout=60, what="every job to finish")
    client = redis.Redis.from_url(redis_settings.redis_url)
    starts = [
        float(entry.split(b"|")[1])
        for entry in client.lrange(f"{redis_settings.namespace}:test:started", 0, -1)
    ]
    redelivered_after = max(starts) - killed_at
    assert redelivered_after < noticed + idle + tick + 2, redelivered_after
    wait_until(lambda: {job_state(redis_settings, j) for j in ids} == {"succeeded"}, what="history")


def test_a_job_holding_the_gil_is_not_run_twice_while_alive(redis_settings, redis_broker, start_worker):
    fast = {"LEADQ_HEARTBEAT_TIMEOUT": "2", "LEADQ_MAINTENANCE_INTERVAL": "0.5"}
    start_worker(processes=2, **fast)
    job_id = send(actors.hold_gil, "gil", 4.5)  # seconds of catastrophic backtracking
    wait_until(lambda: job_state(redis_settings, job_id) == "succeeded", timeout=90, what="GIL job")
    job = get_job(redis_settings, job_id)
    assert job.duration_ms > 2 * 2000  # held the GIL longer than two heartbeat timeouts
    assert runs(redis_settings, "started") == ["gil"]


def test_a_heartbeat_written_late_never_replaces_a_fresher_one(redis_settings, redis_broker):
    # A consumer thread takes its call's timestamp, then a job holding the GIL stalls
    # it for seconds; meanwhile the supervisor vouched for the process with a later time.
    heartbeats = f"{redis_settings.namespace}:__heartbeats__"
    client = redis_broker.client
    vouched = int(time.time() * 1000) + 9000
    client.zadd(heartbeats, {redis_broker.broker_id: vouched})
    redis_broker._dispatch("ack")("maintenance", "no-such-message")
    assert client.zscore(heartbeats, redis_broker.broker_id) == vouched
    # An older heartbeat is replaced as before.
    client.zadd(heartbeats, {redis_broker.broker_id: 1000})
    redis_broker._dispatch("ack")("maintenance", "no-such-message")
    assert client.zscore(heartbeats, redis_broker.broker_id) > time.time() * 1000 - 60_000


def test_a_process_dying_inside_a_gil_bound_job_is_still_redelivered(
    redis_settings, redis_broker, start_worker
):
    fast = {"LEADQ_HEARTBEAT_TIMEOUT": "2", "LEADQ_MAINTENANCE_INTERVAL": "0.5"}
    worker = start_worker(processes=1, **fast)
    job_id = send(actors.hold_gil, "gil", 2.5)
    wait_until(lambda: runs(redis_settings, "started") == ["gil"], what="GIL job to start")
    [victim] = worker.children()
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    # The job runs again in the replacement process, which a loaded machine may take
    # over 10 s to start: the bound counts from then if it came later than that.
    wait_until(
        lambda: any(pid != victim for pid, _ in worker.titles()), timeout=60, what="a replacement process"
    )
    replaced_after = time.monotonic() - killed_at
    wait_until(lambda: len(runs(redis_settings, "started")) == 2, timeout=30, what="redelivery")
    assert time.monotonic() - killed_at < max(15, replaced_after + 5)
    wait_until(lambda: job_state(redis_settings, job_id) == "succeeded", timeout=90, what="GIL job")


def test_idle_worker_blocks_instead_of_polling(redis_settings, redis_broker, start_worker):
    start_worker(processes=1, LEADQ_IDLE_WAKEUP_TIMEOUT="5")
    time.sleep(1)
    client = redis.Redis.from_url(redis_settings.redis_url)
    calls = {"blpop": 0, "evalsha": 0}
    seconds = 6  # longer than one idle wait, so every consumer shows up
    with client.monitor() as monitor:
        # By Redis's clock for each command: MONITOR streams every client's commands, and
        # with another pytest worker busy on this Redis, reading them falls behind.
        deadline = time.time() + seconds
        for line in monitor.listen():
            command = line["command"].split(" ")[0].lower()
            if redis_settings.namespace in line["command"] and command in calls:
                calls[command] += 1
            if line["time"] > deadline:
                break
    # 14 consumers (7 queues and their delay queues), each one fetch and one
    # blocking pop per idle timeout (5 s): about 3 fetches a second.
    assert calls["blpop"] > 0
    assert calls["evalsha"] / seconds < 6, calls


def test_worker_serves_prometheus_metrics_for_its_processes(redis_settings, redis_broker, start_worker):
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start_worker("--metrics-port", str(port), processes=2)
    send_many(actors.record, [(f"m{i}",) for i in range(6)])
    wait_until(lambda: len(runs(redis_settings)) == 6, what="jobs")

    def finished() -> float:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        lines = [line for line in body.splitlines() if line.startswith("leadq_jobs_finished_total{")]
        return sum(float(line.rsplit(" ", 1)[1]) for line in lines if 'actor="record"' in line)

    wait_until(lambda: finished() == 6, what="metrics to count six jobs")


def test_a_worker_process_is_recycled_after_max_messages_and_loses_nothing(
    redis_settings, redis_broker, start_worker
):
    worker = start_worker(processes=1, LEADQ_WORKER_MAX_MESSAGES="10")
    first = worker.children()
    ids = send_many(actors.sleepy, [(f"r{i}", 0.05) for i in range(40)])
    wait_until(lambda: len(set(runs(redis_settings))) == 40, timeout=60, what="all jobs")
    wait_until(lambda: {job_state(redis_settings, j) for j in ids} == {"succeeded"}, what="history")
    wait_until(lambda: worker.children() not in ([], first), what="a replacement process")
    assert "recycled" in worker.log.read_text()


def test_a_deferred_job_counts_as_deferred_and_queue_depths_are_served(
    redis_settings, redis_broker, start_worker
):
    import urllib.request

    from leadq.ops.top_snapshot import collect_snapshot
    from tests.core.conftest import free_port

    port = free_port()
    start_worker("--metrics-port", str(port), processes=1)
    job_id = send(actors.put_off, "p")
    wait_until(lambda: job_state(redis_settings, job_id) == "succeeded", what="the deferred job to run")
    send(actors.broken, "d")
    wait_until(lambda: queue_stats(redis_broker)[-1].dead == 1, what="a dead letter")

    def metrics() -> dict[str, float]:
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        return {
            line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in body.splitlines()
            if line.startswith(("leadq_jobs_finished_total{", "leadq_queue_messages{"))
        }

    wait_until(lambda: any('outcome="succeeded"' in k and "put_off" in k for k in metrics()), what="metrics")
    found = metrics()
    outcomes = {key.split('outcome="')[1].split('"')[0]: n for key, n in found.items() if "put_off" in key}
    assert outcomes == {"deferred": 1.0, "succeeded": 1.0}
    assert found['leadq_queue_messages{queue="maintenance",state="dead"}'] == 1.0
    assert found['leadq_queue_messages{queue="scrape",state="ready"}'] == 0.0

    [put_off] = [a for a in collect_snapshot(redis_broker).actors if a.actor == "put_off"]
    assert put_off.deferred == {60: 1, 300: 1, 900: 1}
    assert put_off.failure_rate(60) == 0.0


def test_delayed_jobs_a_worker_holds_are_cancelled_at_once_and_purged_with_their_queue(
    redis_settings, redis_broker, start_worker
):
    worker = start_worker()
    # Its consumers run once a job did (a loaded machine starts them seconds after the process).
    send(actors.record, "first")
    wait_until(lambda: runs(redis_settings) == ["first"], what="the worker to consume")
    # Due late enough that a loaded machine's worker fetches both well before.
    first, second = (send(actors.record, tag, delay=12) for tag in ("held-1", "held-2"))
    due = time.monotonic() + 12
    client = redis.Redis.from_url(redis_settings.redis_url)

    def held_by_the_worker() -> bool:
        stats = {s.queue: s for s in queue_stats(redis_broker)}["maintenance"]
        return stats.delayed == 2 and client.llen(f"{redis_settings.namespace}:maintenance.DQ") == 0

    wait_until(held_by_the_worker, timeout=9, what="the worker to fetch both delayed jobs")
    assert time.monotonic() < due - 1, "the jobs fell due before the test could cancel them"
    assert cancel_job(redis_broker, redis_settings, first).startswith("cancelled")
    assert job_state(redis_settings, first) == "cancelled"  # now, not when it falls due
    assert purge_queue(redis_broker, "maintenance", dry_run=True) == 2  # what stats call delayed
    assert purge_queue(redis_broker, "maintenance") == 2
    assert job_state(redis_settings, second) == "cancelled"
    wait_until(
        lambda: worker.log.read_text().count(" was skipped.") == 2, timeout=60, what="both to fall due"
    )
    assert runs(redis_settings) == ["first"]  # the worker skipped both when they fell due


def test_a_stopping_worker_takes_no_new_messages(redis_settings, redis_broker, start_worker):
    worker = start_worker(LEADQ_WORKER_SHUTDOWN_TIMEOUT="30")
    send(actors.sleepy, "long", 4.0)
    wait_until(lambda: runs(redis_settings, "started") == ["long"], what="the long job to start")
    worker.proc.send_signal(signal.SIGTERM)  # graceful: the long job finishes first
    # The supervisor passes the signal on; on a loaded machine that can take a while.
    wait_until(
        lambda: b"Shutting down..." in worker.log.read_bytes(), what="the worker process to start stopping"
    )
    send_many(actors.sleepy, [(f"late{i}", 0.0) for i in range(5)])
    time.sleep(1.5)  # the stopping worker is still busy with the long job
    [scrape] = queue_stats(redis_broker, ("scrape",))
    assert (scrape.ready, scrape.in_flight) == (5, 1), scrape  # none taken while stopping
    worker.proc.wait(timeout=30)
    assert runs(redis_settings) == ["long"]
    start_worker()
    wait_until(lambda: len(runs(redis_settings)) == 6, what="the late jobs on the next worker")
