"""One answer to "is this the final attempt", for the retry middleware and for actors."""

from __future__ import annotations

import dramatiq

from leadq.core.broker import setup_broker
from leadq.core.retries import is_final_attempt
from leadq.errors import Cancelled, ConfigError, Deferred, PermanentError, TransientError


def message(actor, **options) -> dramatiq.Message:
    return actor.message().copy(options=options)


def test_a_job_ends_on_its_last_allowed_attempt_or_an_error_it_throws(settings):
    broker = setup_broker(settings, inline=True)
    from leadq.actors.maintenance import cleanup_stale_jobs  # max_retries=3

    error = TransientError("down")
    assert not is_final_attempt(broker, error, message(cleanup_stale_jobs, retries=2))
    assert is_final_attempt(broker, error, message(cleanup_stale_jobs, retries=3))
    assert is_final_attempt(broker, error, message(cleanup_stale_jobs, retries=0, max_retries=0))
    first = message(cleanup_stale_jobs)
    assert is_final_attempt(broker, PermanentError("404"), first)
    assert is_final_attempt(broker, Cancelled("stop"), first)
    assert is_final_attempt(broker, ConfigError("LEADQ_SMTP_HOST is not set"), first)


def test_a_deferral_is_never_final_and_outside_a_worker_every_error_is(settings):
    broker = setup_broker(settings, inline=True)
    from leadq.actors.maintenance import cleanup_stale_jobs

    deferred = Deferred("rate limited", delay=10)
    assert not is_final_attempt(broker, deferred, message(cleanup_stale_jobs, retries=3))
    assert is_final_attempt(broker, TransientError("down"))  # no current message: nothing will retry
