"""Embedded mode: run the enqueued work in this process until nothing is left.

The same actors and middleware as a Redis worker, on Dramatiq's StubBroker
with an in-process ``dramatiq.Worker``: a laptop needs no Redis.
"""

from __future__ import annotations

import time

import dramatiq

from leadq.core.broker import boot_process, current_runtime
from leadq.core.worker_start import start_worker
from leadq.errors import UserError


def _busy(broker) -> bool:
    return any(q.unfinished_tasks for q in broker.queues.values())


def run_until_idle(timeout: float | None = None, *, threads: int | None = None) -> None:
    """Process every queued message (and those they enqueue) in-process, then stop."""
    runtime = current_runtime()
    broker = runtime.broker
    if not isinstance(broker, dramatiq.brokers.stub.StubBroker):
        raise UserError("run_until_idle needs the embedded broker (--inline or no LEADQ_REDIS_URL)")
    settings = runtime.settings
    boot_process(runtime)
    worker = dramatiq.Worker(broker, worker_threads=threads or settings.worker_threads, worker_timeout=50)
    start_worker(worker)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        # A job can enqueue more work on any queue, so idle means every queue
        # (delayed ones included) is empty at the same moment.
        while _busy(broker):
            if deadline is not None and time.monotonic() >= deadline:
                raise UserError(f"work still running after {timeout:g}s")
            time.sleep(0.02)
    finally:
        worker.stop()
