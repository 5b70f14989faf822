"""`leadq report`: a website audit report a prospect can read, as HTML or PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadq.errors import UsageError
from leadq.settings import get_settings

from .console import out, print_json, safe_text
from .pagespeed import EngineOpt, StrategyChoice, StrategyOpt, _strategies

app = typer.Typer(help="Reports a prospect can read: a website audit as HTML or PDF.", no_args_is_help=True)


@app.command("audit")
def audit(
    ref: Annotated[str, typer.Argument(help="A lead id, or a website URL.")],
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the report as one self-contained HTML file.")
    ] = None,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Write the report as a PDF (headless Chromium).")
    ] = None,
    strategy: StrategyOpt = StrategyChoice.both,
    engine: EngineOpt = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Audit again now instead of using the newest stored audits.")
    ] = False,
    publish: Annotated[
        bool,
        typer.Option(
            "--publish",
            help="Publish it beside the demos at an unguessable URL, which templates get as "
            "{{ audit.report_url }}.",
        ),
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="Print the report's facts as JSON.")] = False,
) -> None:
    """Write the website report of a lead or URL from its newest audits (auditing now what never was)."""
    if not (html or pdf or publish or json_):
        raise UsageError("say where the report goes: --html FILE, --pdf FILE, --publish and/or --json")
    from leadq.pagespeed.engines import close_engines
    from leadq.report.audit import audit_html
    from leadq.report.load import audit_report

    settings = get_settings()
    if publish:
        from leadq.demo.publish import check_destination

        check_destination(settings)  # a missing setting is one line before any audit runs
    try:
        report = audit_report(
            settings, ref, _strategies(strategy), engine=engine.value if engine else None, fresh=fresh
        )
    finally:
        close_engines()
    page = audit_html(report, settings.report_template_dir)
    if html:
        html.write_text(page, encoding="utf-8")
        out.print(f"wrote {safe_text(html)}", highlight=False)
    if pdf:
        from leadq.report.pdf import html_to_pdf

        pdf.write_bytes(html_to_pdf(settings, page))
        out.print(f"wrote {safe_text(pdf)}", highlight=False)
    if publish:
        from leadq.report.publish import publish_report

        url = publish_report(settings, report, page)
        out.print(f"published {safe_text(url)}", soft_wrap=True, highlight=False)
    if json_:
        print_json(report.to_dict())


@app.command("audience")
def audience(
    campaign: Annotated[str, typer.Argument(help="Campaign name or id (`leadq campaign list`).")],
    strategy: StrategyOpt = StrategyChoice.both,
    engine: EngineOpt = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Show progress until every report is published.")
    ] = False,
    inline: Annotated[bool, typer.Option("--inline", help="Build them in this process (no Redis).")] = False,
) -> None:
    """Publish the website report of every lead a campaign would reach, so its emails can link them."""
    from datetime import UTC, datetime

    from leadq.campaign.audience import audience_members
    from leadq.campaign.service import find_campaign
    from leadq.campaign.spec import Audience
    from leadq.core.enqueue import send_many
    from leadq.db import session_scope
    from leadq.demo.publish import check_destination

    from .pagespeed import finish
    from .runtime import open_broker

    settings = get_settings()
    check_destination(settings)
    with session_scope(settings) as session:
        found = find_campaign(campaign, session=session)
        name = found.name
        members = audience_members(Audience(**found.audience), now=datetime.now(UTC), session=session)
    lead_ids = sorted({lead_id for lead_id, _ in members})
    if not lead_ids:
        out.print(f"campaign {safe_text(name)} would reach nobody now: no report to publish")
        return
    broker = open_broker(inline=inline, settings=settings)
    from leadq.actors.pagespeed import publish_website_report

    options = {"strategies": _strategies(strategy), "engine": engine.value if engine else None}
    ids = send_many(publish_website_report, [((), {"lead_id": lead_id, **options}) for lead_id in lead_ids])
    finish(broker, settings, ids, wait=wait)
