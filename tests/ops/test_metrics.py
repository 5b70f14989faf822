"""Prometheus metrics: counted per actor by the middleware, served over HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys

import dramatiq
import requests
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries

from leadq.ops.metrics import PrometheusMiddleware, start_metrics_server


def scrape(server) -> str:
    return requests.get(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5).text


def sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {name}{{{wanted}}} in:\n{text}")


def test_the_middleware_counts_outcomes_and_durations_per_actor_and_the_exporter_serves_them():
    # Listed before Retries: Dramatiq runs after_* hooks in reverse order, so
    # Retries has marked a message failed by the time the metrics look.
    broker = StubBroker(middleware=[PrometheusMiddleware(), Retries()])

    @dramatiq.actor(broker=broker, queue_name="metrics_test", max_retries=0, actor_name="metrics_ok")
    def ok(): ...

    @dramatiq.actor(broker=broker, queue_name="metrics_test", max_retries=0, actor_name="metrics_boom")
    def boom():
        raise ValueError("boom")

    for _ in range(3):
        ok.send()
    boom.send()
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    broker.join("metrics_test", fail_fast=False)
    worker.join()
    worker.stop()

    server, _ = start_metrics_server(0)
    try:
        text = scrape(server)
    finally:
        server.shutdown()
    assert sample(text, "leadq_jobs_enqueued_total", actor="metrics_ok") == 3
    assert sample(text, "leadq_jobs_finished_total", actor="metrics_ok", outcome="succeeded") == 3
    assert sample(text, "leadq_jobs_finished_total", actor="metrics_boom", outcome="failed") == 1
    assert sample(text, "leadq_job_duration_seconds_count", actor="metrics_ok", queue="metrics_test") == 3
    assert sample(text, "leadq_jobs_in_progress", actor="metrics_ok") == 0


WORKER_PROCESS = """
import dramatiq
from dramatiq.brokers.stub import StubBroker
from leadq.ops.metrics import PrometheusMiddleware
broker = StubBroker(middleware=[PrometheusMiddleware()])
@dramatiq.actor(broker=broker, queue_name="mp", actor_name="mp_job")
def job(): ...
for _ in range(2):
    job.send()
worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
worker.start(); broker.join("mp"); worker.join(); worker.stop()
"""


def test_the_exporter_sums_every_worker_process_in_multiprocess_mode(tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER_PROCESS], env=env, check=True, timeout=60)
    exporter = (
        "import os, requests\n"
        "from leadq.ops.metrics import start_metrics_server\n"
        "server, _ = start_metrics_server(0)\n"
        "print(requests.get(f'http://127.0.0.1:{server.server_port}/metrics', timeout=5).text)\n"
    )
    text = subprocess.run(
        [sys.executable, "-c", exporter], env=env, check=True, timeout=60, capture_output=True, text=True
    ).stdout
    assert sample(text, "leadq_jobs_finished_total", actor="mp_job", outcome="succeeded") == 4
