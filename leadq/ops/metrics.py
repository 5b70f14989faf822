"""Prometheus metrics per actor, and the HTTP exporter behind `leadq worker --metrics-port`.

prometheus-client rather than Dramatiq's own Prometheus middleware: that one
runs its exporter inside a forked worker process and names metrics
dramatiq_*; here the names are leadq's and the exporter is started by whoever
owns the port (the `leadq worker` supervisor).

Several worker processes: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory before the worker processes start (prometheus-client picks its
storage when imported); every process then writes its samples there, and
``start_metrics_server`` in the supervisor serves the sum. Call
``process_exited(pid)`` when a worker process ends so its in-progress gauge
stops counting. Given the broker, the exporter also reports queue depths,
read from Redis at each scrape.
"""

from __future__ import annotations

import os
import threading
import time
from wsgiref.simple_server import WSGIServer

from dramatiq.middleware import Middleware
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from leadq.core.outage import REDIS_DOWN
from leadq.core.queues import queue_stats
from leadq.errors import Deferred

LABELS = ("actor", "queue")

ENQUEUED = Counter("leadq_jobs_enqueued", "Jobs enqueued (first attempt).", LABELS)
FINISHED = Counter(
    "leadq_jobs_finished",
    "Job attempts that ended, by outcome: succeeded, retried, deferred (rate limit, sending window), "
    "failed, skipped.",
    (*LABELS, "outcome"),
)
IN_PROGRESS = Gauge("leadq_jobs_in_progress", "Jobs running now.", LABELS, multiprocess_mode="livesum")
DURATION = Histogram(
    "leadq_job_duration_seconds",
    "Wall time of one job attempt.",
    LABELS,
    buckets=(0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, float("inf")),
)


class PrometheusMiddleware(Middleware):
    """Counts and times every job attempt per actor and queue (Dramatiq middleware).

    List it before the retries middleware: Dramatiq runs after_* hooks in
    reverse order, and only after Retries ran is a dead job ``message.failed``.
    """

    def __init__(self) -> None:
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _labels(message) -> tuple[str, str]:
        queue = message.queue_name[:-3] if message.queue_name.endswith(".DQ") else message.queue_name
        return message.actor_name, queue

    def after_enqueue(self, broker, message, delay) -> None:
        if not message.options.get("retries") and message.options.get("attempt", 1) <= 1:
            ENQUEUED.labels(*self._labels(message)).inc()

    def before_process_message(self, broker, message) -> None:
        with self._lock:
            self._started[message.message_id] = time.perf_counter()
        IN_PROGRESS.labels(*self._labels(message)).inc()

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        if exception is None:
            outcome = "succeeded"
        elif isinstance(exception, Deferred):
            outcome = "deferred"  # put off, not failed: it keeps its retries
        else:
            outcome = "failed" if message.failed else "retried"
        self._finish(message, outcome)

    def after_skip_message(self, broker, message) -> None:
        self._finish(message, "skipped")

    def _finish(self, message, outcome: str) -> None:
        labels = self._labels(message)
        with self._lock:
            started = self._started.pop(message.message_id, None)
        if started is not None:
            IN_PROGRESS.labels(*labels).dec()
            DURATION.labels(*labels).observe(time.perf_counter() - started)
        FINISHED.labels(*labels, outcome).inc()


class QueueDepthCollector(Collector):
    """``leadq_queue_messages{queue, state}``: ready, delayed, in flight and dead, per queue."""

    def __init__(self, broker) -> None:
        self.broker = broker

    def collect(self):
        gauge = GaugeMetricFamily(
            "leadq_queue_messages",
            "Messages in each queue by state: ready, delayed, in_flight (fetched by a worker), dead.",
            labels=("queue", "state"),
        )
        try:
            stats = queue_stats(self.broker)
        except REDIS_DOWN:
            return  # no depths while Redis is away; the job metrics still serve
        for queue in stats:
            for state in ("ready", "delayed", "in_flight", "dead"):
                gauge.add_metric((queue.queue, state), getattr(queue, state))
        yield gauge


def metrics_registry(broker=None) -> CollectorRegistry:
    """This process's metrics, or every worker process's when PROMETHEUS_MULTIPROC_DIR is set;
    plus queue depths when given the (Redis) broker."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    if broker is not None:
        registry.register(QueueDepthCollector(broker))
    return registry


def start_metrics_server(
    port: int, addr: str = "127.0.0.1", *, broker=None
) -> tuple[WSGIServer, threading.Thread]:
    """Serve /metrics on ``addr:port`` from a daemon thread (port 0 picks a free one)."""
    return start_http_server(port, addr=addr, registry=metrics_registry(broker))


def process_exited(pid: int) -> None:
    """Forget a finished worker process's live gauges (multiprocess mode only)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
