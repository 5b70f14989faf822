"""LEADQ_LOG_FORMAT=json: one JSON object per line, with the job a record came from."""

from __future__ import annotations

import io
import json
import logging

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage

from leadq.ops.logging import configure_logging


@pytest.fixture(autouse=True)
def _restore_root_logger():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_logs_carry_job_id_actor_and_attempt_inside_a_job(settings):
    stream = io.StringIO()
    configure_logging(settings.model_copy(update={"log_format": "json"}), label="w-1", stream=stream)
    broker = StubBroker(middleware=[CurrentMessage()])

    @dramatiq.actor(broker=broker, queue_name="log_test", actor_name="log_something")
    def log_something():
        logging.getLogger("leadq.test").warning("inside\nthe job")

    message = log_something.send()
    logging.getLogger("leadq.test").warning("outside")
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    broker.join("log_test")
    worker.stop()

    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    ours = [r for r in records if r["logger"] == "leadq.test"]
    assert [(r["message"], r["job_id"], r["actor"], r["attempt"]) for r in ours] == [
        ("outside", None, None, None),
        ("inside\nthe job", message.message_id, "log_something", 1),
    ]
    assert all(r["level"] == "WARNING" and r["ts"].endswith("+00:00") and r["worker"] == "w-1" for r in ours)


def test_text_logs_name_the_job_in_brackets(settings):
    stream = io.StringIO()
    configure_logging(settings, stream=stream)
    logging.getLogger("leadq.test").warning("plain")
    assert stream.getvalue().rstrip().endswith("WARNING leadq.test: plain")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_log_lines_and_tracebacks_never_carry_a_url_password(settings, log_format):
    stream = io.StringIO()
    configure_logging(settings.model_copy(update={"log_format": log_format}), stream=stream)
    url = "redis://:S3cretPlanted@10.0.0.7:6379/0"
    logging.getLogger("leadq.test").warning("connecting to %s", url)
    try:
        raise ConnectionError(f"lost {url}")
    except ConnectionError:
        logging.getLogger("leadq.test").exception("consumer failed")
    written = stream.getvalue()
    assert "S3cretPlanted" not in written
    assert written.count("redis://:****@10.0.0.7:6379/0") == 2
