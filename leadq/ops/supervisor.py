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

Redis going away is not a reason to stop: the supervisor keeps its children
and retries every tick (one WARNING line when the outage starts, one INFO
line when it ends), and the children wait for Redis in their own calls.
SIGHUP replaces the children one by one (a code reload that drops no work).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass

import psutil
from dramatiq.middleware import Middleware
from setproctitle import setproctitle

from leadq.browser import kill_browsers_of
from leadq.core.outage import REDIS_DOWN, Outage
from leadq.core.signal_flag import SignalFlag
from leadq.core.vocabulary import QUEUES
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

    def describe(self) -> str:
        return ",".join(self.queues or QUEUES)


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


def child_main(broker_id: str, options: WorkerOptions, slot: int, ready) -> None:
    """Entry point of one worker process; sets ``ready`` once it consumes."""
    import dramatiq

    from leadq.core.broker import boot_process, current_runtime
    from leadq.core.worker_start import start_worker
    from leadq.ops.runtime import setup_broker

    # What `ps`/`top` show: role, child number, queues, and the id in the log lines.
    setproctitle(f"leadq worker {slot}/{options.processes} [{options.describe()}] {broker_id}")
    settings = get_settings()
    configure_logging(settings, label=broker_id)
    stop = SignalFlag()
    signal.signal(signal.SIGTERM, stop.set)
    # The supervisor decides: Ctrl-C and a closing terminal reach it too, and
    # SIGHUP (reload) means it replaces us one by one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    parent = os.getppid()

    broker = setup_broker(settings, broker_id=broker_id)
    broker.wait_out_outages = True
    if options.metrics_port:
        from leadq.core.retries import TypedRetries
        from leadq.ops.metrics import PrometheusMiddleware

        broker.add_middleware(PrometheusMiddleware(), before=TypedRetries)
    boot_process(current_runtime())
    recycler = _Recycler()
    broker.add_middleware(recycler)
    worker = dramatiq.Worker(
        broker,
        queues=set(options.queues) if options.queues else None,
        worker_threads=options.threads,
        worker_timeout=int(settings.idle_wakeup_timeout * 1000),
    )
    start_worker(worker)
    ready.set()
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
    broker.stopping.set()  # its consumers hand out no more messages (leadq.core.consumer)
    worker.stop(timeout=int(settings.worker_shutdown_timeout * 1000))
    broker.close()
    os._exit(code)


class Supervisor:
    """Starts, watches, vouches for and replaces worker processes."""

    def __init__(self, settings: Settings, options: WorkerOptions) -> None:
        from leadq.core.broker import build_runtime
        from leadq.core.queues import require_redis

        self.settings = settings
        self.options = options
        self.broker = require_redis(build_runtime(settings).broker)
        self.context = multiprocessing.get_context("spawn")
        #: The supervisor speaks for its host: one WARNING per Redis outage, one INFO after.
        self.outage = Outage()
        #: Exited children whose unacked messages are not requeued yet (Redis was away).
        self.unreaped: set[str] = set()
        self.reload = RollingReload()
        self.children: dict[str, multiprocessing.Process] = {}
        # Vouch several times per heartbeat timeout, so one slow round never lapses.
        self.vouch_interval = min(1.0, settings.heartbeat_timeout / 4)
        self.started_at: dict[str, float] = {}
        self.slots: dict[str, int] = {}
        self.ready: dict[str, multiprocessing.synchronize.Event] = {}
        self.failed_starts = 0
        self.stopping = SignalFlag()
        self.host = settings.host_id or socket.gethostname()

    def spawn(self, slot: int) -> str:
        broker_id = f"{self.host}-{uuid.uuid4().hex[:12]}"
        ready = self.context.Event()
        child = self.context.Process(
            target=child_main, args=(broker_id, self.options, slot, ready), name=f"leadq-worker-{broker_id}"
        )
        child.start()
        self.children[broker_id] = child
        self.started_at[broker_id] = time.monotonic()
        self.slots[broker_id] = slot
        self.ready[broker_id] = ready
        logger.info(
            "started worker process %d/%d %s (pid %s)", slot, self.options.processes, broker_id, child.pid
        )
        return broker_id

    def vouch(self) -> None:
        """Write the heartbeat of every live child, whatever its threads are doing."""
        now_ms = int(time.time() * 1000)
        alive = {bid: now_ms for bid, child in self.children.items() if child.is_alive()}
        if alive:
            self.broker.client.zadd(f"{self.broker.namespace}:__heartbeats__", alive)

    def reap(self) -> None:
        """Replace children that exited; their messages are requeued by ``requeue_unreaped``."""
        for broker_id, child in list(self.children.items()):
            if child.is_alive():
                continue
            child.join()
            kill_browsers_of(child.pid)  # what a dead child left running (kill -9, OOM, recycle)
            del self.children[broker_id], self.ready[broker_id]
            lived = time.monotonic() - self.started_at.pop(broker_id)
            slot = self.slots.pop(broker_id)
            self.unreaped.add(broker_id)
            if self.options.metrics_port:
                from leadq.ops.metrics import process_exited

                process_exited(child.pid)
            if self.reload.exited(broker_id):
                logger.info("worker process %s replaced (reload)", broker_id)
                continue  # its successor is already running
            if child.exitcode == EXIT_RECYCLE:
                logger.info("worker process %s recycled", broker_id)
                self.failed_starts = 0
            else:
                logger.warning("worker process %s exited with %s", broker_id, child.exitcode)
                failed_start = lived < MIN_HEALTHY_SECONDS
                self.failed_starts = self.failed_starts + 1 if failed_start else 0
                if self.failed_starts >= MAX_FAILED_STARTS:
                    raise WorkerStartFailed(
                        f"worker processes died {self.failed_starts} times right after starting; "
                        "run `leadq doctor` and check the log above"
                    )
                if self.reload.provides_for(broker_id):
                    continue
            if not self.stopping.is_set():
                self.spawn(slot)

    def requeue_unreaped(self) -> None:
        """Give exited children's unacked messages back to their queues (needs Redis)."""
        for broker_id in sorted(self.unreaped):
            requeued = self.broker.reap_worker(broker_id)
            self.unreaped.discard(broker_id)
            if requeued:
                logger.info("requeued %d unfinished messages of worker process %s", requeued, broker_id)

    def tick(self) -> None:
        """One round: replace exited children, advance a reload, then the Redis part."""
        started = time.monotonic()
        self.reap()
        self.reload.step(self)
        try:
            self.vouch()
            self.requeue_unreaped()
        except REDIS_DOWN as error:
            # The children keep running and wait for Redis on their own; the
            # next tick tries again.
            self.outage.failed(error, started=started)
        else:
            self.outage.succeeded()

    def run(self) -> int:
        configure_logging(self.settings, label="supervisor")
        setproctitle(
            f"leadq supervisor {self.options.processes}x{self.options.threads} [{self.options.describe()}]"
        )
        self.broker.client.ping()
        ensure_schema(self.settings)  # once here, not raced by every worker process at start
        if self.options.metrics_port:
            # prometheus-client picks its storage at import: set the shared
            # directory before any worker process starts.
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="leadq-metrics-")
            from leadq.ops.metrics import start_metrics_server

            start_metrics_server(self.options.metrics_port, broker=self.broker)
            logger.info("metrics on http://127.0.0.1:%d/metrics", self.options.metrics_port)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.stopping.set)
        signal.signal(signal.SIGHUP, lambda *_: self.reload.request())
        for slot in range(1, self.options.processes + 1):
            self.spawn(slot)
        try:
            while not self.stopping.wait(self.vouch_interval):
                self.tick()
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
                self._try_redis(self.vouch)
                child.join(timeout=self.vouch_interval)
            if child.is_alive():
                child.kill()
                child.join()
            kill_browsers_of(child.pid)
        self.unreaped.update(self.children)
        self.children.clear()
        if not self._try_redis(self.requeue_unreaped):
            logger.warning(
                "Redis unreachable: %d stopped worker processes' unfinished messages go back to their "
                "queues %.0f s after Redis returns (heartbeat timeout)",
                len(self.unreaped),
                self.settings.heartbeat_timeout,
            )

    def _try_redis(self, call) -> bool:
        try:
            call()
        except REDIS_DOWN:
            return False
        return True


class RollingReload:
    """SIGHUP: replace every worker process, one at a time, without dropping work.

    For each old child a new one starts first (new code: processes are
    spawned, not forked); once it consumes, the old one gets SIGTERM, finishes
    its running jobs and gives back what it had fetched. The next child is
    replaced when the previous one has exited. A new child that dies before it
    is ready abandons the reload: the old children keep running.
    """

    def __init__(self) -> None:
        self._requested = SignalFlag()
        self.pending: list[str] = []
        #: (old, new): the replacement under way.
        self.current: tuple[str, str] | None = None
        self.retiring: set[str] = set()

    def request(self) -> None:
        self._requested.set()  # from the signal handler: a flag, never a lock

    def step(self, supervisor: Supervisor) -> None:
        if self._requested.is_set():
            self._requested.clear()
            self.pending = [bid for bid in supervisor.children if bid not in self.retiring]
            logger.info("reload: replacing %d worker processes one by one", len(self.pending))
        if self.current is not None:
            old, new = self.current
            if not supervisor.ready[new].is_set():
                return
            if old in supervisor.children:
                self.retiring.add(old)
                supervisor.children[old].terminate()
            self.current = None
        if self.retiring or not self.pending:
            return  # wait for the previous one to finish its jobs and exit
        old = self.pending.pop(0)
        if old in supervisor.children:
            self.current = (old, supervisor.spawn(supervisor.slots[old]))

    def exited(self, broker_id: str) -> bool:
        """Whether this exit was a planned retirement; logs the end of a reload."""
        if broker_id not in self.retiring:
            return False
        self.retiring.discard(broker_id)
        if not self.pending and self.current is None:
            logger.info("reload: done")
        return True

    def provides_for(self, broker_id: str) -> bool:
        """Whether a crashed child's slot is taken care of by the replacement under way.

        The old child of the current replacement: its successor is starting. The
        successor itself, dead before it was ready: new code that does not
        start, so the reload stops and the old children keep running.
        """
        if self.current is None or broker_id not in self.current:
            return False
        old, new = self.current
        self.current = None
        if broker_id == new:
            self.pending = []
            logger.error("reload abandoned: the new worker process died before it was ready")
        return True
