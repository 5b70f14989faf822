"""`leadq demo`: demo websites for leads: build, inspect, publish, and count their views."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from leadq.db import session_scope
from leadq.settings import get_settings

from .console import out, print_json, print_table, safe_text

app = typer.Typer(help="Demo websites for leads: build, publish and track them.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
DemoId = Annotated[int, typer.Argument(help="Demo id (`leadq demo list`).")]


def _summary(demo) -> dict[str, Any]:
    """What `list --json` and `show --json` print about a demo."""
    from leadq.demo.service import zip_path

    manifest = demo.manifest or {}
    return {
        "id": demo.id,
        "lead_id": demo.lead_id,
        "template": demo.template,
        "state": demo.state,
        "built_at": demo.built_at.isoformat(),
        "work_dir": demo.work_dir,
        "index": str(Path(demo.work_dir) / "site" / "index.html"),
        "zip": str(zip_path(get_settings(), demo.token)),
        "site_bytes": sum(f["bytes"] for f in manifest.get("files", []) if f["path"] == "site/index.html"),
        "package_bytes": manifest.get("total_bytes"),
        "zip_bytes": manifest.get("zip_bytes"),
        "public_url": demo.public_url,
        "published_at": demo.published_at.isoformat() if demo.published_at else None,
        "screenshots": manifest.get("screenshots", {}),
        "video": manifest.get("video"),
    }


@app.command("build")
def build(
    lead_ids: Annotated[list[int], typer.Argument(help="Ids of the leads to build demos for.")],
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="trades, food, beauty, professional, generic or one of LEADQ_DEMO_TEMPLATES; "
            "default: chosen from the lead's category.",
        ),
    ] = None,
    screenshots: Annotated[
        bool, typer.Option("--screenshots/--no-screenshots", help="Screenshot the demo and the lead's site.")
    ] = True,
    video: Annotated[
        bool, typer.Option("--video", help="Record a narrated video (needs ffmpeg and espeak-ng).")
    ] = False,
    publish: Annotated[bool, typer.Option("--publish", help="Publish each demo once built.")] = False,
    inline: Annotated[bool, typer.Option("--inline", help="Build in this process (no Redis).")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until the workers are done.")] = False,
) -> None:
    """Build each lead's demo site, screenshots and package on the demo queue."""
    from leadq.core.enqueue import send_many
    from leadq.demo.publish import check_destination
    from leadq.demo.site import check_templates

    from .pagespeed import finish
    from .runtime import open_broker

    settings = get_settings()
    # Configuration mistakes are one line now, not a failed job per lead later.
    check_templates(settings.demo_templates)
    if publish:
        check_destination(settings)
    broker = open_broker(inline=inline, settings=settings)
    from leadq.actors.demo import build_demo_site

    options = {"template": template, "screenshots": screenshots, "video": video, "publish": publish}
    ids = send_many(build_demo_site, [((), {"lead_id": lead_id, **options}) for lead_id in lead_ids])
    if not finish(broker, settings, ids, wait=wait):
        return
    from leadq.core.jobs import require_job
    from leadq.demo.store import demo_for_lead

    with session_scope(settings) as session:
        for lead_id in lead_ids:
            demo = demo_for_lead(lead_id, session=session)
            if demo is not None:
                where = demo.public_url or str(Path(demo.work_dir) / "site" / "index.html")
                out.print(
                    f"lead {lead_id}: demo {demo.id} ({safe_text(demo.template)}) {safe_text(where)}",
                    soft_wrap=True,
                    highlight=False,
                )
    if any(require_job(settings, job_id).state != "succeeded" for job_id in ids):
        raise typer.Exit(code=1)


@app.command("list")
def list_(
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most N demos.")] = 50,
    json_: Json = False,
) -> None:
    """Every demo, newest first: lead, template, state, public URL."""
    from leadq.demo.store import list_demos

    with session_scope(get_settings()) as session:
        demos = list_demos(session=session, limit=limit)
    if json_:
        print_json([_summary(demo) for demo in demos])
        return
    if not demos:
        out.print("no demos yet: build one with `leadq demo build LEAD_ID --inline`")
        return
    table = Table("id", "lead", "template", "state", "built", "public URL", title="demos")
    for demo in demos:
        table.add_row(
            str(demo.id),
            str(demo.lead_id),
            safe_text(demo.template),
            demo.state,
            f"{demo.built_at:%Y-%m-%d %H:%M}",
            safe_text(demo.public_url or ""),
        )
    print_table(table)


@app.command("show")
def show(demo_id: DemoId, json_: Json = False) -> None:
    """One demo: its files, sizes, screenshots and public URL."""
    from leadq.demo.store import require_demo

    with session_scope(get_settings()) as session:
        summary = _summary(require_demo(demo_id, session=session))
    if json_:
        print_json(summary)
        return
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "-"
        out.print(
            f"[bold]{key}[/]: {safe_text(value if value is not None else '-')}",
            soft_wrap=True,
            highlight=False,
        )


@app.command("open")
def open_(demo_id: DemoId) -> None:
    """Print where to look at the demo: its public URL when published, else its local index.html."""
    from leadq.demo.store import require_demo

    with session_scope(get_settings()) as session:
        demo = require_demo(demo_id, session=session)
    where = demo.public_url or (Path(demo.work_dir) / "site" / "index.html").as_uri()
    out.print(safe_text(where), soft_wrap=True, highlight=False)


@app.command("publish")
def publish(demo_id: DemoId) -> None:
    """Publish a built demo to LEADQ_DEMO_ROOT or LEADQ_DEMO_RSYNC_TARGET and print its URL."""
    from leadq.demo.service import publish_demo

    demo = publish_demo(get_settings(), demo_id)
    out.print(f"demo {demo.id} published at {safe_text(demo.public_url)}", soft_wrap=True, highlight=False)


@app.command("unpublish")
def unpublish(demo_id: DemoId) -> None:
    """Take a published demo down (its local build stays)."""
    from leadq.demo.service import unpublish_demo

    unpublish_demo(get_settings(), demo_id)
    out.print(f"demo {demo_id} unpublished", highlight=False)


@app.command("stats")
def stats(json_: Json = False) -> None:
    """Views per demo (bots not counted), distinct visitors, first and last view."""
    from leadq.demo.store import view_stats

    with session_scope(get_settings()) as session:
        rows = view_stats(session=session)
    if json_:
        print_json(
            [
                {
                    "demo_id": row.demo_id,
                    "lead_id": row.lead_id,
                    "public_url": row.public_url,
                    "views": row.views,
                    "visitors": row.visitors,
                    "first_view": row.first_view.isoformat() if row.first_view else None,
                    "last_view": row.last_view.isoformat() if row.last_view else None,
                }
                for row in rows
            ]
        )
        return
    if not rows:
        out.print("no demos yet: build one with `leadq demo build LEAD_ID --inline`")
        return
    table = Table(
        "demo", "lead", "views", "visitors", "first view", "last view", "public URL", title="demo views"
    )
    for row in rows:
        table.add_row(
            str(row.demo_id),
            str(row.lead_id),
            str(row.views),
            str(row.visitors),
            f"{row.first_view:%Y-%m-%d %H:%M}" if row.first_view else "-",
            f"{row.last_view:%Y-%m-%d %H:%M}" if row.last_view else "-",
            safe_text(row.public_url or ""),
        )
    print_table(table)
