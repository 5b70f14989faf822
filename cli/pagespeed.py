"""`leadq pagespeed`: audit websites' speed and mobile readiness."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from leadq.db import session_scope
from leadq.errors import UsageError
from leadq.pagespeed.engines import close_engines
from leadq.pagespeed.record import AuditRecord
from leadq.pagespeed.report_parser import parse_file
from leadq.pagespeed.service import audit_and_store, resolve_target
from leadq.pagespeed.store import audited_since
from leadq.settings import get_settings

from .console import out, print_json, safe_text
from .pagespeed_view import render_record


class StrategyChoice(StrEnum):
    mobile = "mobile"
    desktop = "desktop"
    both = "both"


class EngineChoice(StrEnum):
    psi = "psi"
    local = "local"
    lighthouse = "lighthouse"


class AuditByDefault(TyperGroup):
    """`leadq pagespeed URL ...` means `leadq pagespeed audit URL ...`."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        first = next((arg for arg in args if not arg.startswith("-")), None)
        if first is not None and first not in self.commands:
            args = ["audit", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=AuditByDefault,
    help="Audit websites' speed and mobile readiness. `leadq pagespeed URL` is short for "
    "`leadq pagespeed audit URL`.",
    no_args_is_help=True,
    subcommand_metavar="URL | COMMAND [ARGS]...",
)

StrategyOpt = Annotated[
    StrategyChoice, typer.Option("--strategy", "-s", help="Emulate a phone, a desktop, or run both.")
]
EngineOpt = Annotated[
    EngineChoice | None,
    typer.Option(
        "--engine",
        "-e",
        help="psi (Google API), local (Chromium here) or lighthouse (CLI). "
        "Default: LEADQ_PAGESPEED_ENGINE, i.e. psi with an API key, else local.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the audit record(s) as JSON.")]


def _strategies(choice: StrategyChoice) -> list[str]:
    return ["mobile", "desktop"] if choice is StrategyChoice.both else [choice.value]


def show(records: list[AuditRecord], as_json: bool) -> None:
    if as_json:
        print_json(records[0].to_dict() if len(records) == 1 else [r.to_dict() for r in records])
        return
    for record in records:
        out.print(render_record(record))


@app.command("audit")
def audit(
    url: Annotated[str, typer.Argument(help="The website to audit, e.g. https://example.com.")],
    strategy: StrategyOpt = StrategyChoice.mobile,
    engine: EngineOpt = None,
    json_: JsonOpt = False,
    queue: Annotated[
        bool,
        typer.Option(
            "--queue",
            help="Enqueue on the pagespeed queue instead of "
            "running here; with --wait, show the result when done.",
        ),
    ] = False,
    wait: Annotated[bool, typer.Option("--wait", help="With --queue: wait for the workers.")] = False,
) -> None:
    """Audit one URL now and print scores, Core Web Vitals and problems in plain words."""
    settings = get_settings()
    engine_name = engine.value if engine else None
    targets = [
        resolve_target(settings, url=url, lead_id=None, strategy=s, engine=engine_name)
        for s in _strategies(strategy)
    ]
    if not queue:
        try:
            records = [audit_and_store(settings, target) for target in targets]
        finally:
            close_engines()
        show(records, json_)
        return
    from leadq.core.broker import is_stub
    from leadq.core.enqueue import send
    from leadq.ops.runtime import setup_broker

    broker = setup_broker(settings)
    from leadq.actors.pagespeed import audit_website

    started = datetime.now(UTC)
    ids = [send(audit_website, url=t.url, strategy=t.strategy, engine=t.engine) for t in targets]
    if not (wait or is_stub(broker)):
        print_job_ids(ids)
        return
    finish(settings, ids, inline=is_stub(broker))
    with session_scope(settings) as session:
        stored = [
            audited_since(session=session, url=t.url, strategy=t.strategy, since=started) for t in targets
        ]
    show([a.to_record() for a in stored if a is not None], json_)


@app.command("parse")
def parse(
    file: Annotated[Path, typer.Argument(help="A saved PSI v5 response or Lighthouse JSON report.")],
    json_: JsonOpt = False,
) -> None:
    """Print the report of a saved PageSpeed Insights response or Lighthouse JSON file."""
    show([parse_file(file)], json_)


@app.command("run")
def run(
    urls: Annotated[list[str] | None, typer.Argument(help="URLs to audit (or use --pending).")] = None,
    pending: Annotated[
        bool,
        typer.Option(
            "--pending",
            help="Audit every lead with a website and no audit newer than LEADQ_PAGESPEED_STALE_DAYS.",
        ),
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="With --pending: at most N leads.")
    ] = None,
    strategy: StrategyOpt = StrategyChoice.mobile,
    engine: EngineOpt = None,
    wait: Annotated[bool, typer.Option("--wait", help="Show progress until every audit is done.")] = False,
    inline: Annotated[
        bool, typer.Option("--inline", help="Run the audits in this process (no Redis).")
    ] = False,
) -> None:
    """Enqueue a batch of audits on the pagespeed queue."""
    if not urls and not pending:
        raise UsageError("give URLs to audit or --pending")
    settings = get_settings()
    from leadq.core.broker import is_stub
    from leadq.core.enqueue import send, send_many
    from leadq.ops.runtime import setup_broker

    broker = setup_broker(settings, inline=inline)
    from leadq.actors.pagespeed import audit_pending, audit_website

    engine_name = engine.value if engine else None
    strategies = _strategies(strategy)
    if pending:
        ids = [send(audit_pending, limit=limit, strategies=strategies, engine=engine_name)]
    else:
        calls = [((), {"url": url, "strategy": s, "engine": engine_name}) for url in urls for s in strategies]
        ids = send_many(audit_website, calls)
    if not (wait or is_stub(broker)):
        print_job_ids(ids)
        return
    finish(settings, ids, inline=is_stub(broker))


def print_job_ids(ids: list[str]) -> None:
    """One id per line, so scripts can read them and terminals never wrap one."""
    out.print(f"enqueued {len(ids)} job(s); follow with `leadq job wait ID`:")
    for job_id in ids:
        out.print(job_id, soft_wrap=True, highlight=False)


def finish(settings, ids: list[str], *, inline: bool) -> None:
    """Run (embedded) or follow (Redis) the jobs and what they fan out to, then summarise."""
    from leadq.core.jobs import list_jobs, require_job, tree_counts

    from .progress import wait_with_progress

    if inline:
        from leadq.core.inline import run_until_idle

        try:
            run_until_idle()
        finally:
            close_engines()
    else:
        for job_id in ids:
            wait_with_progress(settings, job_id, label="auditing")
    counts: dict[str, int] = {}
    for job_id in ids:
        for state, count in tree_counts(settings, job_id).items():
            counts[state] = counts.get(state, 0) + count
    out.print(", ".join(f"{count} job(s) {state}" for state, count in sorted(counts.items())))
    roots = [require_job(settings, job_id) for job_id in ids]
    jobs = roots + [child for root in roots for child in list_jobs(settings, parent_id=root.id, limit=None)]
    for job in jobs:
        if job.state != "succeeded":
            failure = safe_text(f"{job.actor}: {job.error_type}: {job.error_message}")
            out.print(f"  [red]{job.id}[/] {failure}", highlight=False)
