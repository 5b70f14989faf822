"""Job history ordering and storage, on SQLite and (when configured) Postgres."""

from __future__ import annotations

import pytest

from leadq.core.history import HistoryRecorder, event
from leadq.core.jobs import get_job, job_events, tree_counts
from leadq.settings import Settings


def _record_out_of_order(settings: Settings) -> None:
    recorder = HistoryRecorder(settings)
    # A worker's events reach SQL before the enqueuer's, in two batches.
    recorder.record(event("job-1", "running", at=100.0, actor="a", queue="scrape", started_at=100.0))
    recorder.record(event("job-1", "succeeded", at=101.0, actor="a", queue="scrape", duration_ms=5.0))
    recorder.flush()
    recorder.record(event("job-1", "enqueued", at=99.0, actor="a", queue="scrape", enqueued_at=99.0))
    recorder.record(event("job-2", "enqueued", at=99.5, actor="b", queue="scrape", parent_id="job-1"))
    recorder.flush()


def _assert_final_state_wins(settings: Settings) -> None:
    job = get_job(settings, "job-1")
    assert (job.state, job.enqueued_at, job.started_at, job.duration_ms) == ("succeeded", 99.0, 100.0, 5.0)
    assert [e.state for e in job_events(settings, "job-1")] == ["enqueued", "running", "succeeded"]
    assert tree_counts(settings, "job-1") == {"succeeded": 1, "enqueued": 1}


def test_events_arriving_out_of_order_never_move_a_job_backwards(settings):
    _record_out_of_order(settings)
    _assert_final_state_wins(settings)


@pytest.mark.postgres
def test_job_history_works_on_postgres(postgres_settings):
    _record_out_of_order(postgres_settings)
    _assert_final_state_wins(postgres_settings)
