"""Start a Dramatiq worker so that stopping it right away cannot hang.

Dramatiq's consumer and worker threads set ``running = True`` as the first
statement of ``run()``, and ``stop()`` sets it back to False. A stop that lands
before a new thread has got that far is overwritten, the thread loops forever
and ``Worker.stop`` waits for it for ten minutes. An embedded job that fails in
milliseconds on a loaded machine did exactly that, so leadq starts workers with
``start_worker``, which returns only once every thread is past that line.
"""

from __future__ import annotations

import time

import dramatiq


def start_worker(worker: dramatiq.Worker) -> None:
    """``worker.start()``, then wait until each of its threads has marked itself running."""
    worker.start()
    threads = [*worker.consumers.values(), *worker.workers]
    while any(thread.is_alive() and not thread.running for thread in threads):
        time.sleep(0.001)
