"""Sentry: events from actors carry the job, and never an email, a phone number or a secret.

A local transport captures what would be sent (no network).
"""

from __future__ import annotations

import dramatiq
import pytest
import sentry_sdk
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage, Retries
from sentry_sdk.transport import Transport

from leadq.ops.sentry import init_sentry, scrub_text


class CapturingTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope):
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)


@pytest.fixture
def captured(settings):
    transport = CapturingTransport()
    on = init_sentry(
        settings.model_copy(update={"sentry_dsn": "http://key@127.0.0.1:9/1"}), transport=transport
    )
    assert on
    yield transport.events
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jane.doe+leads@acme-plumbing.com today", "mail [email] today"),
        ("call (415) 555-0134 or +44 20 7946 0958", "call [phone] or [phone]"),
        ("redis://:hunter2@127.0.0.1:6379/0 down", "redis://:****@127.0.0.1:6379/0 down"),
        ("postgresql://leadq:s3cret@db/leadq", "postgresql://leadq:****@db/leadq"),
        ("api_key=sk-123abc, smtp_password: pw!", "api_key=[Filtered], smtp_password: [Filtered]"),
        (
            "job 1795274340 at 2026-11-21 15:22:03 (leadq@0.1.0)",
            "job 1795274340 at 2026-11-21 15:22:03 (leadq@0.1.0)",
        ),
    ],
)
def test_scrubbing_replaces_personal_data_and_secrets_but_not_ids_or_times(text, expected):
    assert scrub_text(text) == expected


def test_init_sentry_does_nothing_without_a_dsn(settings):
    assert init_sentry(settings) is False


def test_an_actor_error_reaches_sentry_tagged_with_its_job_and_scrubbed(captured):
    # Built after init_sentry: the Dramatiq integration adds its middleware in Broker.__init__.
    broker = StubBroker(middleware=[Retries(), CurrentMessage()])

    @dramatiq.actor(broker=broker, queue_name="sentry_test", max_retries=0, actor_name="send_pitch")
    def send_pitch(address: str, phone: str) -> None:
        api_token = "tok-live-123"  # noqa: F841  (a local Sentry would capture)
        raise RuntimeError(f"SMTP refused {address} (phone {phone}); password=hunter2")

    message = send_pitch.send("owner@joes-pizza.com", "415-555-0134")
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    broker.join("sentry_test", fail_fast=False)
    worker.stop()
    sentry_sdk.flush()

    [event] = [e for e in captured if e.get("exception")]
    assert event["tags"]["job_id"] == message.message_id
    assert event["tags"]["actor"] == "send_pitch"
    value = event["exception"]["values"][-1]["value"]
    assert value == "SMTP refused [email] (phone [phone]); password=[Filtered]"
    sent = repr(event)
    for leaked in ("owner@joes-pizza.com", "415-555-0134", "hunter2", "tok-live-123"):
        assert leaked not in sent


def test_a_cli_error_reaches_sentry_scrubbed(captured):
    try:
        raise ValueError("lead jane@example.org rejected")
    except ValueError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush()
    [event] = captured
    assert event["exception"]["values"][0]["value"] == "lead [email] rejected"
    assert "job_id" not in event.get("tags", {})
