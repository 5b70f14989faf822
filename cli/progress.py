"""Finishing what a command sent: run it here, or follow it with a Rich progress bar.

Every command that submits work (`scrape`, `pagespeed audit|run`, `campaign
launch|resume`) ends the same way, through ``run_or_follow``: on the embedded
broker the jobs run in this process while the command draws their progress;
on Redis the command follows them when asked to `--wait`, else it says how to
follow them later. The command then prints its own summary.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

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

T = TypeVar("T")


class InlineRun(threading.Thread):
    """The embedded broker's worker, draining every queue in a background thread of this process."""

    def __init__(self) -> None:
        super().__init__(daemon=True, name="leadq-inline")
        self.error: BaseException | None = None

    def run(self) -> None:
        from leadq.core.inline import run_until_idle

        try:
            run_until_idle()
        except BaseException as exc:  # handed to the command's thread by finish()
            self.error = exc

    def finish(self) -> None:
        """Wait until every queue is empty; re-raise what stopped the worker, if anything did."""
        self.join()
        if self.error is not None:
            raise self.error


def run_or_follow(
    broker, *, wait: bool, follow: Callable[[InlineRun | None], T], enqueued: Callable[[], None]
) -> T | None:
    """Finish the jobs a command just sent.

    On the embedded broker they run here (an ``InlineRun``) and ``follow(run)``
    draws their progress and returns once it has what it reports (it calls
    ``run.finish()`` when it needs every follow-up job done). On Redis,
    ``follow(None)`` when ``wait``; otherwise ``enqueued()`` tells the user
    how to follow the jobs, and None is returned.
    """
    from leadq.core.broker import is_stub

    if not is_stub(broker):
        if not wait:
            enqueued()
            return None
        return follow(None)
    run = InlineRun()
    run.start()
    try:
        return follow(run)
    finally:
        if not run.is_alive():
            from leadq.pagespeed.engines import close_engines

            close_engines()  # the inline audits' browsers: nothing in this command audits again


def progress_bar(*, show: bool = True, states: bool = False) -> Progress:
    """The bar every `--wait` draws on stderr: spinner, what, bar, done/total, (states), time."""
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    if states:
        columns.append(TextColumn("{task.fields[states]}"))
    columns.append(TimeElapsedColumn())
    return Progress(*columns, console=err, disable=not show, transient=False)


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))


def wait_with_progress(
    settings: Settings, job_id: str, *, timeout: float | None = None, label: str = ""
) -> Job:
    """Block until the job and all its descendants are final; returns the root job."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with progress_bar(states=True) as progress:
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
