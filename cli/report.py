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
    json_: Annotated[bool, typer.Option("--json", help="Print the report's facts as JSON.")] = False,
) -> None:
    """Write the website report of a lead or URL from its newest audits (auditing now what never was)."""
    if not (html or pdf or json_):
        raise UsageError("say where the report goes: --html FILE, --pdf FILE and/or --json")
    from leadq.pagespeed.engines import close_engines
    from leadq.report.audit import audit_html
    from leadq.report.load import audit_report

    settings = get_settings()
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
    if json_:
        print_json(report.to_dict())
