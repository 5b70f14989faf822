"""`leadq ai`: score leads, extract contact details, classify replies, write emails, show usage."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from leadq.ai.request import score_batch
from leadq.errors import UserError
from leadq.settings import Settings, get_settings

from .console import out, print_json, print_table, safe_text, warn

app = typer.Typer(
    help="AI: explainable lead scores, contact extraction, reply classification, email drafts, usage.",
    no_args_is_help=True,
)

#: Scores `ai score` prints in full; --json prints them all.
SHOWN = 50
JsonOpt = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
RefreshOpt = Annotated[
    bool, typer.Option("--refresh", help="Ask the model again instead of reusing a cached answer.")
]


def read_input(source: str, settings: Settings):
    """FILE or `-` (stdin) as text a model may see: decoded whatever the bytes, capped, never empty."""
    import sys
    from pathlib import Path

    from leadq.ai.text import decode, prepare

    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read {source}: {exc.strerror}") from None
    text = prepare(decode(data), max_chars=settings.ai_max_input_chars)
    if not text.text.strip():
        raise UserError(f"{'standard input' if source == '-' else source} is empty: nothing to read")
    if text.truncated:
        warn(
            f"input has {text.original_chars} characters; only the first {settings.ai_max_input_chars} "
            "are read (LEADQ_AI_MAX_INPUT_CHARS)"
        )
    return text


def cli_model_call(settings: Settings):
    """A model call for a command that asks the model itself (`email preview`), under the same
    shared budget and rates as the workers."""
    from leadq.ai.engine import ModelCall
    from leadq.ops.runtime import setup_broker

    if settings.ai_engine == "rules":
        return ModelCall(settings)  # no model: no budget, no broker

    setup_broker(settings)
    from leadq.actors.ai import model_call

    return model_call()


def print_fields(data: dict[str, Any]) -> None:
    for key, value in data.items():
        if value not in (None, [], {}, ""):
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            out.print(f"[bold]{key}[/]: {safe_text(shown)}", highlight=False)


def score_dict(lead) -> dict[str, Any]:
    return {
        "id": lead.id,
        "name": lead.name,
        "ai_score": lead.ai_score,
        "ai_engine": lead.ai_engine,
        "ai_reasons": lead.ai_reasons,
        "ai_summary": lead.ai_summary,
    }


def render_score(lead) -> None:
    title = safe_text(lead.name or f"lead {lead.id}")
    out.print(f"[bold]{lead.id}[/] {title}: [bold]{lead.ai_score}[/]/100 ({lead.ai_engine})", highlight=False)
    for reason in lead.ai_reasons or []:
        out.print(f"  {reason['points']:+4d}  {safe_text(reason['reason'])}", highlight=False)
    if lead.ai_summary:
        out.print(f"  {safe_text(lead.ai_summary)}", highlight=False)


def _run(settings: Settings, job_id: str, *, inline: bool, wait: bool, label: str, then: str = "") -> bool:
    """Run the job here (embedded), or follow it (Redis with --wait); False when only enqueued."""
    if inline:
        from leadq.core.inline import run_until_idle

        run_until_idle()
        return True
    if not wait:
        out.print(  # soft_wrap: the ids stay whole, to copy
            f"enqueued job {job_id}; follow with `leadq job wait {job_id}`{then}",
            highlight=False,
            soft_wrap=True,
        )
        return False
    from .progress import wait_with_progress

    wait_with_progress(settings, job_id, label=label)
    return True


def _failures(settings: Settings, job_id: str) -> list[str]:
    from leadq.core.jobs import list_jobs, require_job

    root = require_job(settings, job_id)
    jobs = [root, *list_jobs(settings, parent_id=root.id, limit=None)]
    return [f"{job.actor}: {job.error_type}: {job.error_message}" for job in jobs if job.state != "succeeded"]


@app.command("score")
def score(
    lead_ids: Annotated[list[int] | None, typer.Argument(help="Leads to score.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Score every lead.")] = False,
    unscored: Annotated[bool, typer.Option("--unscored", help="Score leads never scored.")] = False,
    refresh: RefreshOpt = False,
    inline: Annotated[bool, typer.Option("--inline", help="Run in this process (no Redis needed).")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the workers and show the scores.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Give leads a 0-100 fit score with the reasons for it, stored on each lead."""
    batch = score_batch(lead_ids=lead_ids, all_=all_, unscored=unscored, refresh=refresh)
    from sqlmodel import col, select

    from leadq.core.broker import is_stub
    from leadq.core.enqueue import send
    from leadq.db import session_scope
    from leadq.leads.models import Lead
    from leadq.ops.runtime import setup_broker

    settings = get_settings()
    broker = setup_broker(settings, inline=inline)
    from leadq.actors.ai import batch_analyze_leads

    started = datetime.now(UTC)
    job_id = send(batch_analyze_leads, **batch.model_dump())
    if not _run(settings, job_id, inline=is_stub(broker), wait=wait, label="scoring"):
        return
    failures = _failures(settings, job_id)
    with session_scope(settings) as session:
        query = select(Lead).order_by(col(Lead.id))
        if lead_ids:
            query = query.where(col(Lead.id).in_(lead_ids))
        else:
            query = query.where(col(Lead.ai_scored_at) >= started)
        leads = list(session.exec(query).all())
    if as_json:
        print_json({"leads": [score_dict(lead) for lead in leads], "failures": failures})
    else:
        for lead in leads[:SHOWN]:
            render_score(lead)
        if len(leads) > SHOWN:
            out.print(f"... {len(leads) - SHOWN} more: `leadq leads list --sort score`", highlight=False)
        out.print(f"{len(leads)} lead(s) scored, {len(failures)} job(s) failed", highlight=False)
        for failure in failures:
            out.print(f"  [red]failed[/] {safe_text(failure)}", highlight=False)
    if failures:
        raise typer.Exit(1)


InlineOpt = Annotated[bool, typer.Option("--inline", help="Run in this process (no Redis needed).")]
WaitOpt = Annotated[bool, typer.Option("--wait", help="Wait for a worker and show the answer.")]


def answer_of(actor_name: str, kwargs: dict[str, Any], *, inline: bool, wait: bool) -> dict[str, Any] | None:
    """Send one job of an answering AI actor and return its stored answer once it ran here
    (embedded, --inline) or a worker ran it (--wait); None when only enqueued.

    A failed job is its error, one line: what a person asked for did not happen.
    """
    from leadq.ai.results import load_result
    from leadq.core.broker import is_stub
    from leadq.core.enqueue import send
    from leadq.core.jobs import require_job
    from leadq.ops.runtime import setup_broker

    settings = get_settings()
    broker = setup_broker(settings, inline=inline)
    import leadq.actors.ai as ai_actors  # after the broker: actors bind to it when imported

    job_id = send(getattr(ai_actors, actor_name), **kwargs)
    then = f", then `leadq ai result {job_id}`"
    if not _run(settings, job_id, inline=is_stub(broker), wait=wait, label=actor_name, then=then):
        return None
    job = require_job(settings, job_id)
    if job.state != "succeeded":
        raise UserError(job.error_message or f"job {job_id} {job.state}")
    found = load_result(settings, job_id)
    if found is None:
        raise UserError(f"job {job_id} stored no answer")
    return found.output


InputArg = Annotated[str, typer.Argument(help="A text file, or - for standard input.", metavar="FILE|-")]


@app.command("extract")
def extract(
    source: InputArg,
    refresh: RefreshOpt = False,
    inline: InlineOpt = False,
    wait: WaitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Business name, services, phone (E.164), email, website and city from free text."""
    text = read_input(source, get_settings())
    kwargs = {"text": text.text, "truncated": text.truncated, "refresh": refresh}
    result = answer_of("extract_lead_info", kwargs, inline=inline, wait=wait)
    if result is not None:
        show_answer("extract", result, as_json=as_json)


ReplyArg = Annotated[
    str, typer.Argument(help="A reply as .eml or text, or - for standard input.", metavar="FILE.eml|-")
]


@app.command("classify")
def classify(
    source: ReplyArg,
    refresh: RefreshOpt = False,
    inline: InlineOpt = False,
    wait: WaitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Sort a reply: interested, question, not_interested, unsubscribe, out_of_office or bounce."""
    text = read_input(source, get_settings())
    result = answer_of(
        "process_conversation", {"text": text.text, "refresh": refresh}, inline=inline, wait=wait
    )
    if result is not None:
        show_answer("classify", result, as_json=as_json)


@app.command("draft-reply")
def draft_reply(
    message: Annotated[
        str,
        typer.Argument(
            help="An inbox message id (`leadq inbox list`), or a reply as .eml or text, or - for "
            "standard input.",
            metavar="MESSAGE_ID|FILE.eml|-",
        ),
    ],
    refresh: RefreshOpt = False,
    inline: InlineOpt = False,
    wait: WaitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Draft an answer to a reply for you to approve; nothing is sent.

    For an inbox message the draft knows the lead and the campaign email it answers. Bounces,
    away messages and unsubscribe requests get no draft, only what to do. leadq has no command
    that sends replies: send an approved draft from your own mail client.
    """
    if message.isdigit():
        kwargs: dict[str, Any] = {"inbound_id": int(message)}
    else:
        kwargs = {"text": read_input(message, get_settings()).text}
    result = answer_of("generate_ai_response", {**kwargs, "refresh": refresh}, inline=inline, wait=wait)
    if result is not None:
        show_answer("draft_reply", result, as_json=as_json)


@app.command("write")
def write(
    lead_id: Annotated[int, typer.Option("--lead", help="The lead to write to.")],
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="Campaign (id or name) whose step to write.")
    ] = None,
    step: Annotated[int, typer.Option("--step", min=1, help="With --campaign: the step number.")] = 1,
    refresh: RefreshOpt = False,
    inline: InlineOpt = False,
    wait: WaitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Preview the email leadq would write to a lead, checked by the fact guard.

    A draft the guard rejects is shown with the phrases it rejected, and, with --campaign,
    the step's own template is what would be sent instead.
    """
    kwargs = {"lead_id": lead_id, "campaign": campaign, "step": step, "refresh": refresh}
    result = answer_of("generate_email_content", kwargs, inline=inline, wait=wait)
    if result is not None:
        show_answer("write", result, as_json=as_json)


@app.command("result")
def result(
    job_id: Annotated[str, typer.Argument(help="The job `ai extract|classify|write|draft-reply` enqueued.")],
    as_json: JsonOpt = False,
) -> None:
    """The answer of an extract, classify, write or draft-reply job a worker ran."""
    from leadq.ai.results import load_result
    from leadq.core.jobs import require_job

    settings = get_settings()
    job = require_job(settings, job_id)
    found = load_result(settings, job.id)
    if found is None:
        failed = f": {job.error_type}: {job.error_message}" if job.state == "failed" else ""
        raise UserError(f"job {job.id} has no answer ({job.state}{failed})")
    show_answer(found.task, found.output, as_json=as_json)


def show_answer(task: str, answer: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print_json(answer)
    elif task == "write":
        render_written(answer)
    elif task == "draft_reply":
        render_reply_draft(answer)
    else:
        print_fields(answer)


def render_written(answer: dict[str, Any]) -> None:
    verdict = "accepted" if answer["accepted"] else "rejected"
    out.print(f"[bold]{answer['engine']} draft[/] ({verdict} by the fact guard)")
    for problem in answer["problems"]:
        out.print(f"  [red]rejected[/] {safe_text(problem)}", highlight=False)
    shown = answer["template"] if answer["used"] == "template" else answer
    if answer["used"] == "template":
        out.print("[bold]the step's template is used instead:[/]")
    out.print(f"[bold]Subject:[/] {safe_text(shown['subject'])}", highlight=False)
    out.print(safe_text(shown.get("text", shown.get("body")), lines=True), highlight=False)


def render_reply_draft(answer: dict[str, Any]) -> None:
    if answer.get("inbound_id") is not None:
        about = f"inbox message {answer['inbound_id']} from {answer['to'] or 'an unknown sender'}"
        if answer.get("lead_id") is not None:
            about += f" (lead {answer['lead_id']})"
        out.print(f"[bold]answering[/]: {safe_text(about)}", highlight=False)
    out.print(f"[bold]category[/]: {answer['category']}", highlight=False)
    if answer["note"]:
        out.print(f"[bold]no draft[/]: {safe_text(answer['note'])}", highlight=False)
        return
    verdict = "accepted" if answer["accepted"] else "rejected"
    out.print(f"[bold]{answer['engine']} draft[/] ({verdict} by the fact guard; not sent)")
    for problem in answer["problems"]:
        out.print(f"  [red]rejected[/] {safe_text(problem)}", highlight=False)
    out.print(f"[bold]Subject:[/] {safe_text(answer['subject'])}", highlight=False)
    out.print(safe_text(answer["body"], lines=True), highlight=False)
    out.print(f"[dim]{safe_text(answer['sending'])}[/]", highlight=False)


class TrainLabel(StrEnum):
    auto = "auto"
    won = "won"
    interested = "interested"
    replied = "replied"


@app.command("train")
def train(
    label: Annotated[
        TrainLabel,
        typer.Option(
            help="What to predict: won (marked won/lost), interested or replied (from the inbox's "
            "classified replies). auto: the first of those with enough labelled leads."
        ),
    ] = TrainLabel.auto,
    as_json: JsonOpt = False,
) -> None:
    """Train the conversion model on leadq's outcomes; print held-out ROC AUC and calibration."""
    from leadq.ai.conversion import train as run_train
    from leadq.db import session_scope

    settings = get_settings()
    with session_scope(settings) as session:
        report = run_train(settings, session=session, label=label.value)
    if as_json:
        print_json(report.as_dict())
        return
    out.print(
        f"trained to predict {report.label} on {report.labelled} labelled leads ({report.positive} "
        f"{report.label}): ROC AUC {report.test_roc_auc:.3f} "
        f"held out, {report.cv_roc_auc:.3f} cross-validated; Brier {report.brier:.3f}",
        highlight=False,
    )
    table = Table("predicted", "observed")
    for row in report.calibration:
        table.add_row(f"{row['predicted']:.2f}", f"{row['observed']:.2f}")
    print_table(table)
    out.print(f"saved {safe_text(report.path)}", highlight=False)


@app.command("predict")
def predict(
    lead_ids: Annotated[list[int] | None, typer.Argument(help="Leads to predict (default: all).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the conversion model's probability on leads (`leads show` and `--json` list it)."""
    from sqlmodel import col, select

    from leadq.ai.conversion import predict as run_predict
    from leadq.db import session_scope
    from leadq.leads.models import Lead

    settings = get_settings()
    with session_scope(settings) as session:
        count = run_predict(settings, session=session, lead_ids=lead_ids)
    with session_scope(settings) as session:
        query = select(Lead.id, Lead.name, Lead.ai_conversion, Lead.ai_conversion_label).order_by(
            col(Lead.ai_conversion).desc()
        )
        if lead_ids:
            query = query.where(col(Lead.id).in_(lead_ids))
        rows = [
            {"id": i, "name": n, "ai_conversion": p, "ai_conversion_label": label}
            for i, n, p, label in session.exec(query.limit(50))
        ]
    if as_json:
        print_json({"predicted": count, "top": rows})
        return
    for row in rows:
        out.print(
            f"{row['id']:>6} {row['ai_conversion']:.2f} {row['ai_conversion_label']} "
            f"{safe_text(row['name'] or '')}",
            highlight=False,
        )
    out.print(f"{count} lead(s) predicted", highlight=False)


@app.command("usage")
def usage(
    since: Annotated[
        str | None, typer.Option(help="Only calls since: 2h, 7d or an ISO date (default: all).")
    ] = None,
    job: Annotated[
        str | None, typer.Option("--job", help="Only the calls of this job (`leadq job list`).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Model calls, cache hits, tokens, cost and latency, summed by day, model and task."""
    from leadq.ai.usage import usage_summary
    from leadq.db import session_scope

    from .leads import parse_since

    with session_scope(get_settings()) as session:
        rows = usage_summary(session=session, since=parse_since(since), job_id=job)
    if as_json:
        print_json(rows)
        return
    table = Table(
        "day", "model", "task", "answers", "calls", "cached", "tokens in", "tokens out", "USD", "ms"
    )
    for row in rows:
        table.add_row(
            row["day"],
            safe_text(row["model"]),
            row["task"],
            str(row["answers"]),
            str(row["model_calls"]),
            str(row["cache_hits"]),
            str(row["tokens_in"]),
            str(row["tokens_out"]),
            f"{row['cost_usd']:.4f}",
            "" if row["mean_latency_ms"] is None else f"{row['mean_latency_ms']:.0f}",
        )
    print_table(table)
    total = sum(row["cost_usd"] for row in rows)
    out.print(f"{sum(r['answers'] for r in rows)} answer(s), ${total:.4f} in total", highlight=False)
