"""Log set-up: readable text, or one JSON object per line for journald (`LEADQ_LOG_FORMAT=json`).

In a worker each record carries the job it was logged from (id, actor,
attempt), read from Dramatiq's CurrentMessage middleware, so `journalctl -u
leadq-worker@scrape -o cat | jq 'select(.job_id == "…")'` follows one job.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from dramatiq.middleware import CurrentMessage

from leadq.redact import mask_url
from leadq.settings import Settings


class JobContextFilter(logging.Filter):
    """Adds ``job_id``, ``actor`` and ``attempt`` (None outside a job) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = CurrentMessage.get_current_message()
        record.job_id = message.message_id if message else None
        record.actor = message.actor_name if message else None
        record.attempt = (
            message.options.get("attempt", message.options.get("retries", 0) + 1) if message else None
        )
        record.job = f" [{record.actor} {record.job_id} #{record.attempt}]" if message else ""
        return True


class RedactFilter(logging.Filter):
    """Masks URL passwords in every record, its message and its traceback (journald keeps them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_url(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_url(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; no multi-line tracebacks to split journald entries."""

    def __init__(self, label: str | None = None) -> None:
        super().__init__()
        self.label = label

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "job_id": getattr(record, "job_id", None),
            "actor": getattr(record, "actor", None),
            "attempt": getattr(record, "attempt", None),
            "process": record.process,
            "worker": self.label,
        }
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class DiscardedResultFilter(logging.Filter):
    """Drops Dramatiq's per-job warning that an actor's return value was discarded.

    leadq runs without Dramatiq's Results middleware on purpose (job outcomes
    are in job history); a maintenance actor returning its summary is not a
    problem worth a WARNING line per run.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name.startswith("dramatiq.worker")
            and isinstance(record.msg, str)
            and "haven't added the Results middleware" in record.msg
        )


def configure_logging(settings: Settings, *, label: str | None = None, stream=None) -> logging.Handler:
    """Replace the root logger's handlers with one in the configured format; returns it.

    ``label`` names the process in every line (a worker's broker id).
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(JobContextFilter())
    handler.addFilter(RedactFilter())
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter(label))
    else:
        prefix = f"%(asctime)s {label.replace('%', '%%')} " if label else "%(asctime)s "
        handler.setFormatter(logging.Formatter(prefix + "%(levelname)s %(name)s%(job)s: %(message)s"))
    handler.addFilter(DiscardedResultFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # Alembic says "Context impl SQLiteImpl" at INFO each time a process checks
    # the schema (every worker process start), and APScheduler says "Running job"
    # and "executed successfully" for every tick, which leadq's own "fired … as
    # job …" line already reports: detail, not news.
    quiet = logging.DEBUG if root.level <= logging.DEBUG else max(root.level, logging.WARNING)
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(quiet)
    return handler
