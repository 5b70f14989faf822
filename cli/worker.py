"""`leadq worker`: run Dramatiq workers for leadq's actors."""

from __future__ import annotations

from typing import Annotated

import typer

from leadq.core.vocabulary import QUEUES
from leadq.errors import ConfigError
from leadq.ops.supervisor import Supervisor, WorkerOptions
from leadq.settings import get_settings

from .console import out
from .runtime import open_redis_broker


def worker(
    queues: Annotated[
        str | None,
        typer.Option("--queues", "-Q", help=f"Comma-separated queues (default: all of {','.join(QUEUES)})."),
    ] = None,
    processes: Annotated[
        int | None, typer.Option("--processes", "-p", min=1, help="Worker processes.")
    ] = None,
    threads: Annotated[
        int | None, typer.Option("--threads", "-t", min=1, help="Threads per process.")
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port", min=1, max=65535, help="Serve Prometheus metrics on 127.0.0.1:PORT/metrics."
        ),
    ] = None,
) -> None:
    """Run worker processes that execute queued jobs until stopped (SIGTERM or Ctrl-C)."""
    settings = get_settings()
    if not settings.uses_redis:
        raise ConfigError(
            "leadq worker needs Redis: set LEADQ_REDIS_URL (e.g. redis://127.0.0.1:6379/0). "
            "Without Redis, commands run their work in-process with --inline."
        )
    selected = tuple(q.strip() for q in queues.split(",") if q.strip()) if queues else None
    unknown = sorted(set(selected or ()) - set(QUEUES))
    if unknown:
        raise ConfigError(f"unknown queue(s) {', '.join(unknown)}; queues are {', '.join(QUEUES)}")
    open_redis_broker(settings)  # fail fast, with one line, if Redis is down
    options = WorkerOptions(
        queues=selected,
        processes=processes or settings.worker_processes,
        threads=threads or settings.worker_threads,
        metrics_port=metrics_port,
    )
    out.print(
        f"leadq worker: {options.processes} process(es) x {options.threads} threads on "
        f"{', '.join(selected or QUEUES)}",
        highlight=False,
        soft_wrap=True,  # a service's journal is not 80 columns wide
    )
    raise typer.Exit(Supervisor(settings, options).run())
