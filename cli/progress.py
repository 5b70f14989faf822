"""`--wait`: follow a job and everything it fans out to, with a Rich progress bar."""

from __future__ import annotations

import time

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from leadq.core.jobs import require_job, tree_counts
from leadq.core.models import FINAL_STATES, Job
from leadq.errors import UserError
from leadq.settings import Settings

from .console import err


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))


def wait_with_progress(
    settings: Settings, job_id: str, *, timeout: float | None = None, label: str = ""
) -> Job:
    """Block until the job and all its descendants are final; returns the root job."""
    deadline = None if timeout is None else time.monotonic() + timeout
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[states]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task(label or f"job {job_id[:8]}", total=1, states="")
        while True:
            job = require_job(settings, job_id)
            counts = tree_counts(settings, job.id)
            total = sum(counts.values())
            done = sum(n for state, n in counts.items() if state in FINAL_STATES)
            progress.update(task, total=total, completed=done, states=_summary(counts))
            if done == total:
                return job
            if deadline is not None and time.monotonic() >= deadline:
                raise UserError(
                    f"still running after {timeout:g}s ({_summary(counts)}); `leadq job status {job.id}`"
                )
            time.sleep(0.25)
