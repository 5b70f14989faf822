"""Job history: every message's life in SQL, written off the hot path.

Middleware hooks only append a small dict to a buffer; a writer thread (in
workers) or an explicit flush (in the CLI) writes each batch in one
transaction: an upsert of the ``job`` rows and an insert of ``job_event`` rows.
Events from different processes may arrive in any order, so each carries a
sequence number (event time in ms * 10 + phase rank) and a row only moves to
a state whose sequence is not older than the one it has.
"""

from __future__ import annotations

import atexit
import logging
import os
import reprlib
import threading
import time
from operator import itemgetter
from typing import Any

from dramatiq.middleware import Middleware
from sqlalchemy import Engine, case, func, literal_column
from sqlalchemy.dialects import postgresql, sqlite

from leadq.core.models import Job, JobEvent
from leadq.db import ensure_schema
from leadq.errors import Cancelled, Deferred
from leadq.settings import Settings

logger = logging.getLogger(__name__)

RANK = {"enqueued": 0, "running": 1, "retrying": 2}  # every final state ranks 3
COLUMNS = [c.name for c in Job.__table__.columns]
EVENT_COLUMNS = ["job_id", "state", "attempt", "at", "error_type", "error_message"]
#: A job row before any event: what a first event leaves unset keeps these.
BLANK_ROW = {**dict.fromkeys(COLUMNS), "args_summary": "", "attempt": 1, "seq": 0, "actor": "", "queue": ""}
_summary = reprlib.Repr()
_summary.maxstring = 60
_summary.maxother = 60


def summarize_args(args: tuple | list, kwargs: dict) -> str:
    """A short, single-line view of a job's arguments for listings."""
    parts = [_summary.repr(a) for a in args] + [f"{k}={_summary.repr(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)[:500]


def canonical_queue(queue_name: str) -> str:
    return queue_name[:-3] if queue_name.endswith(".DQ") else queue_name


def event(job_id: str, state: str, **fields: Any) -> dict[str, Any]:
    """One history event; ``at`` defaults to now."""
    at = fields.pop("at", None) or time.time()
    return {"id": job_id, "state": state, "at": at, "seq": int(at * 1000) * 10 + RANK.get(state, 3), **fields}


def _upsert_statement(engine: Engine):
    table = Job.__table__
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table)
    new = stmt.excluded
    newer = new.seq >= table.c.seq

    def pick(column: str):
        return case((newer, getattr(new, column)), else_=table.c[column])

    return stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={
            "state": pick("state"),
            "attempt": pick("attempt"),
            "error_type": pick("error_type"),
            "error_message": pick("error_message"),
            "seq": pick("seq"),
            "args_summary": case(
                (new.args_summary != literal_column("''"), new.args_summary), else_=table.c.args_summary
            ),
            "unique_key": func.coalesce(table.c.unique_key, new.unique_key),
            "parent_id": func.coalesce(table.c.parent_id, new.parent_id),
            "enqueued_at": func.coalesce(table.c.enqueued_at, new.enqueued_at),
            "started_at": func.coalesce(new.started_at, table.c.started_at),
            "finished_at": func.coalesce(new.finished_at, table.c.finished_at),
            "duration_ms": func.coalesce(new.duration_ms, table.c.duration_ms),
            "worker": func.coalesce(new.worker, table.c.worker),
            "updated_at": new.updated_at,
        },
    )


class _DriverStatement:
    """A statement compiled once and run through the driver's ``executemany``.

    SQLAlchemy's per-row parameter processing cost more than SQLite's own
    insert (about 8 of 25 µs a job); history columns are plain numbers and
    strings that need no processing, so rows go to the driver as they are.
    """

    def __init__(self, statement, engine: Engine) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        #: Picks a row's parameters in order for positional drivers (SQLite);
        #: named ones (psycopg) take the dicts.
        self.positional = itemgetter(*compiled.positiontup) if compiled.positional else None

    def execute(self, connection, rows: list[dict[str, Any]]) -> None:
        if self.positional is not None:
            rows = list(map(self.positional, rows))
        connection.exec_driver_sql(self.sql, rows)


def _collapse(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge a batch's events into one row per job (an upsert touches a row once)."""
    rows: dict[str, dict[str, Any]] = {}
    for ev in events:
        row = rows.get(ev["id"])
        if row is None:
            # A job's first event in the batch: every field it sets is news.
            fields = {key: value for key, value in ev.items() if value is not None}
            rows[ev["id"]] = {**BLANK_ROW, **fields, "updated_at": ev["at"]}
            continue
        newer = ev["seq"] >= row["seq"]
        for key, value in ev.items():
            if key == "at" or value is None:
                continue
            if key in ("state", "attempt", "seq", "error_type", "error_message") and not newer:
                continue
            if key == "enqueued_at" and row["enqueued_at"] is not None:
                continue
            row[key] = value
        if newer and ev.get("error_type") is None:
            row["error_type"] = row["error_message"] = None
        row["updated_at"] = ev["at"]
    return list(rows.values())


class HistoryRecorder:
    """Buffers history events and writes them in batches."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._statements: tuple[_DriverStatement, _DriverStatement] | None = None
        atexit.register(self.flush)

    def record(self, ev: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(ev)
        if self._thread is None:
            self.start()

    def record_many(self, events: list[dict[str, Any]]) -> None:
        with self._lock:
            self._pending.extend(events)
        if self._thread is None:
            self.start()

    def start(self) -> None:
        """Write in the background every ``history_flush_interval``; atexit writes the rest."""
        with self._lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="leadq-history-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.settings.history_flush_interval):
            try:
                self.flush()
            except Exception:
                # The database may be restarting; events stay buffered for the next try.
                logger.exception("could not write job history; will retry")

    def close(self) -> None:
        """Stop the writer thread and write what is buffered."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()
        self.flush()

    def flush(self) -> None:
        """Write every buffered event now, in one transaction."""
        with self._write_lock:
            with self._lock:
                events, self._pending = self._pending, []
            if not events:
                return
            try:
                self._write(events)
            except BaseException:
                with self._lock:
                    self._pending[:0] = events
                raise

    def _write(self, events: list[dict[str, Any]]) -> None:
        engine = ensure_schema(self.settings)
        if self._statements is None:
            self._statements = (
                _DriverStatement(_upsert_statement(engine), engine),
                _DriverStatement(JobEvent.__table__.insert().values(dict.fromkeys(EVENT_COLUMNS)), engine),
            )
        upsert, append = self._statements
        log = [
            {
                "job_id": ev["id"],
                "state": ev["state"],
                "attempt": ev.get("attempt") or 1,
                "at": ev["at"],
                "error_type": ev.get("error_type"),
                "error_message": ev.get("error_message"),
            }
            for ev in events
        ]
        with engine.begin() as connection:
            upsert.execute(connection, _collapse(events))
            append.execute(connection, log)


class JobHistory(Middleware):
    """Records enqueued / running / retrying / succeeded / dead / cancelled."""

    def __init__(self, recorder: HistoryRecorder) -> None:
        self.recorder = recorder
        self._started: dict[str, float] = {}

    def after_worker_boot(self, broker, worker) -> None:
        self.recorder.start()

    def after_worker_shutdown(self, broker, worker) -> None:
        self.recorder.close()

    @staticmethod
    def _event(message, state: str, at: float, **fields: Any) -> dict[str, Any]:
        return event(
            message.message_id,
            state,
            at=at,
            actor=message.actor_name,
            queue=canonical_queue(message.queue_name),
            **fields,
        )

    def after_enqueue(self, broker, message, delay) -> None:
        # Retries and deferrals re-enqueue the same job; the worker-side hooks
        # record those, so only a job's first enqueue is recorded here.
        options = message.options
        if options.get("retries") or options.get("deferrals") or options.get("attempt", 1) > 1:
            return
        # The message's own creation time, not now: a fast worker may record
        # "running" before this hook runs, and must not be overtaken by it.
        at = message.message_timestamp / 1000
        self.recorder.record(
            self._event(
                message,
                "enqueued",
                at,
                args_summary=summarize_args(message.args, message.kwargs),
                enqueued_at=at,
                parent_id=options.get("parent_id"),
                unique_key=options.get("unique_key"),
            )
        )

    def before_process_message(self, broker, message) -> None:
        now = time.time()
        self._started[message.message_id] = now
        self.recorder.record(
            self._event(
                message,
                "running",
                now,
                attempt=message.options.get("attempt", 1),
                started_at=now,
                worker=getattr(broker, "broker_id", None) or f"inline:{os.getpid()}",
            )
        )

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        if isinstance(exception, Deferred):
            state = "enqueued"  # TypedRetries put it back to run later, same attempt
        elif exception is None:
            state = "succeeded"
        elif isinstance(exception, Cancelled):
            state = "cancelled"
        elif message.failed:
            state = "dead"
        else:
            state = "retrying"
        self._finish(message, state, exception)

    def after_skip_message(self, broker, message) -> None:
        self._finish(message, "dead" if message.failed else "cancelled", None)

    def _finish(self, message, state: str, exception: BaseException | None) -> None:
        now = time.time()
        started = self._started.pop(message.message_id, None)
        attempt = message.options.get("attempt", 1)
        if state == "retrying":
            attempt -= 1  # TypedRetries already counted the attempt to come
        self.recorder.record(
            self._event(
                message,
                state,
                now,
                attempt=attempt,
                finished_at=None if state == "enqueued" else now,
                duration_ms=(now - started) * 1000 if started else None,
                error_type=type(exception).__name__ if exception else None,
                error_message=str(exception)[:2000] if exception else None,
            )
        )
