"""A worker process for the email tests on real Redis, configured by LEADQ_* env vars.

Stands in for the core's `leadq worker` (not in main while this was written):
the same broker and middleware from ``setup_broker``, consuming the email and
campaign queues until SIGTERM (or SIGKILL, which is the point of one test).
"""

from __future__ import annotations

import signal
import sys
import threading

import dramatiq

from leadq.core.broker import setup_broker
from leadq.db import ensure_schema
from leadq.settings import Settings


def main() -> None:
    settings = Settings()
    # Migrate before the threads start: leadq.db.ensure_schema lets several
    # threads run Alembic at once on first use, which Alembic does not survive.
    ensure_schema(settings)
    broker = setup_broker(settings)
    worker = dramatiq.Worker(broker, queues={"email", "campaign"}, worker_threads=int(sys.argv[1]))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker.start()
    print("ready", flush=True)
    stop.wait()
    worker.stop()


if __name__ == "__main__":
    main()
