"""`leadq worker`: a supervisor process and its Dramatiq worker processes.

Why not ``dramatiq``'s own CLI: it stops every process when one dies
(dramatiq issue 505), and its workers only heartbeat from inside broker calls,
so a job holding the GIL in a C call (a regex, a browser call) looks dead
and is run a second time by another worker (dramatiq issue 692).

Here the supervisor runs no jobs, so its GIL is free: it writes the
heartbeat of every child that is still alive, reaps a child's unacked
messages the moment the child dies (kill -9, OOM), and starts a new one.
A whole machine that dies stops vouching, and the other workers'
maintenance tick requeues its messages after ``heartbeat_timeout``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass

import psutil
from dramatiq.middleware import Middleware

from leadq.browser import kill_browsers_of
from leadq.db import ensure_schema
from leadq.errors import LeadqError
from leadq.ops.logging import configure_logging
from leadq.settings import Settings, get_settings

logger = logging.getLogger(__name__)

#: A child that exits with this code asked to be replaced (recycling), not crashed.
EXIT_RECYCLE = 3
#: A child that dies sooner than this after starting counts as a failed start;
#: after MAX_FAILED_STARTS in a row the supervisor gives up instead of looping.
MIN_HEALTHY_SECONDS = 5.0
MAX_FAILED_STARTS = 5


class WorkerStartFailed(LeadqError):
    """Worker processes keep dying as soon as they start."""


@dataclass(frozen=True)
class WorkerOptions:
    queues: tuple[str, ...] | None
    processes: int
    threads: int
    metrics_port: int | None = None


class _Recycler(Middleware):
    """Counts finished jobs so a child can retire after ``worker_max_messages``."""

    def __init__(self) -> None:
        self.processed = 0

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        self.processed += 1

    after_skip_message = after_process_message


def _recycle_reason(settings: Settings, recycler: _Recycler, process: psutil.Process) -> str | None:
    if settings.worker_max_messages and recycler.processed >= settings.worker_max_messages:
        return f"processed {recycler.processed} jobs"
    if settings.worker_max_rss_mb:
        rss_mb = process.memory_info().rss / 2**20
        if rss_mb > settings.worker_max_rss_mb:
            return f"RSS {rss_mb:.0f} MB over {settings.worker_max_rss_mb} MB"
    return None


def child_main(broker_id: str, options: WorkerOptions) -> None:
    """Entry point of one worker process."""
    import dramatiq

    from leadq.core.broker import boot_process, setup_broker

    settings = get_settings()
    configure_logging(settings, label=broker_id)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides; Ctrl-C reaches it too
    parent = os.getppid()

    broker = setup_broker(settings, broker_id=broker_id)
    if options.metrics_port:
        from leadq.core.retries import TypedRetries
        from leadq.ops.metrics import PrometheusMiddleware

        broker.add_middleware(PrometheusMiddleware(), before=TypedRetries)
    boot_process(broker)
    recycler = _Recycler()
    broker.add_middleware(recycler)
    worker = dramatiq.Worker(
        broker,
        queues=set(options.queues) if options.queues else None,
        worker_threads=options.threads,
        worker_timeout=int(settings.idle_wakeup_timeout * 1000),
    )
    worker.start()
    me = psutil.Process()
    code = 0
    while not stop.wait(0.5):
        if os.getppid() != parent:
            logger.warning("supervisor went away; stopping")
            break
        reason = _recycle_reason(settings, recycler, me)
        if reason:
            logger.info("recycling worker: %s", reason)
            code = EXIT_RECYCLE
            break
    worker.stop(timeout=int(settings.worker_shutdown_timeout * 1000))
    broker.close()
    os._exit(code)


class Supervisor:
    """Starts, watches, vouches for and replaces worker processes."""

    def __init__(self, settings: Settings, options: WorkerOptions) -> None:
        from leadq.core.broker import build_broker
        from leadq.core.queues import require_redis

        self.settings = settings
        self.options = options
        self.broker = require_redis(build_broker(settings))
        self.context = multiprocessing.get_context("spawn")
        self.children: dict[str, multiprocessing.Process] = {}
        # Vouch several times per heartbeat timeout, so one slow round never lapses.
        self.vouch_interval = min(1.0, settings.heartbeat_timeout / 4)
        self.started_at: dict[str, float] = {}
        self.failed_starts = 0
        self.stopping = threading.Event()
        self.host = settings.host_id or socket.gethostname()

    def spawn(self) -> None:
        broker_id = f"{self.host}-{uuid.uuid4().hex[:12]}"
        child = self.context.Process(
            target=child_main, args=(broker_id, self.options), name=f"leadq-worker-{broker_id}"
        )
        child.start()
        self.children[broker_id] = child
        self.started_at[broker_id] = time.monotonic()
        logger.info("started worker process %s (pid %s)", broker_id, child.pid)

    def vouch(self) -> None:
        """Write the heartbeat of every live child, whatever its threads are doing."""
        now_ms = int(time.time() * 1000)
        alive = {bid: now_ms for bid, child in self.children.items() if child.is_alive()}
        if alive:
            self.broker.client.zadd(f"{self.broker.namespace}:__heartbeats__", alive)

    def reap(self) -> None:
        """Requeue the messages of children that exited, and replace them."""
        for broker_id, child in list(self.children.items()):
            if child.is_alive():
                continue
            child.join()
            kill_browsers_of(child.pid)  # what a dead child left running (kill -9, OOM, recycle)
            del self.children[broker_id]
            lived = time.monotonic() - self.started_at.pop(broker_id)
            requeued = self.broker.reap_worker(broker_id)
            if self.options.metrics_port:
                from leadq.ops.metrics import process_exited

                process_exited(child.pid)
            how = "recycled" if child.exitcode == EXIT_RECYCLE else f"exited with {child.exitcode}"
            logger.warning("worker process %s %s; requeued %d messages", broker_id, how, requeued)
            failed_start = lived < MIN_HEALTHY_SECONDS and child.exitcode != EXIT_RECYCLE
            self.failed_starts = self.failed_starts + 1 if failed_start else 0
            if self.failed_starts >= MAX_FAILED_STARTS:
                raise WorkerStartFailed(
                    f"worker processes died {self.failed_starts} times right after starting; "
                    "run `leadq doctor` and check the log above"
                )
            if not self.stopping.is_set():
                self.spawn()

    def run(self) -> int:
        self.broker.client.ping()
        ensure_schema(self.settings)  # once here, not raced by every worker process at start
        if self.options.metrics_port:
            # prometheus-client picks its storage at import: set the shared
            # directory before any worker process starts.
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="leadq-metrics-")
            from leadq.ops.metrics import start_metrics_server

            start_metrics_server(self.options.metrics_port)
            logger.info("metrics on http://127.0.0.1:%d/metrics", self.options.metrics_port)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())
        for _ in range(self.options.processes):
            self.spawn()
        try:
            while not self.stopping.wait(self.vouch_interval):
                self.vouch()
                self.reap()
        finally:
            self.shutdown()
        return 0

    def shutdown(self) -> None:
        """Stop children gracefully; whatever they did not finish goes back to its queue."""
        for child in self.children.values():
            if child.is_alive():
                child.terminate()  # SIGTERM: the child stops its worker gracefully
        deadline = time.monotonic() + self.settings.worker_shutdown_timeout + 5
        for child in self.children.values():
            while child.is_alive() and time.monotonic() < deadline:
                self.vouch()
                child.join(timeout=self.vouch_interval)
            if child.is_alive():
                child.kill()
                child.join()
            kill_browsers_of(child.pid)
        for broker_id in list(self.children):
            self.broker.reap_worker(broker_id)
        self.children.clear()
