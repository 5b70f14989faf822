"""Rich rendering of audit records for `leadq pagespeed` and `leadq audits`."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from leadq.pagespeed.record import AuditRecord
from leadq.pagespeed.summary import (
    CATEGORY_LABELS,
    category_coverage,
    failed_audits,
    field_rows,
    field_scope,
    problems,
    test_name,
    unscored_categories,
    verdicts,
)

from .console import safe_text

_RATING_STYLE = {"good": "green", "needs-improvement": "yellow", "poor": "red", "unknown": "dim"}


def score_text(score: int | None) -> Text:
    """Lighthouse's colours: 90+ green, 50-89 orange, under 50 red."""
    if score is None:
        return Text("n/a", style="dim")
    style = "bold green" if score >= 90 else "bold yellow" if score >= 50 else "bold red"
    return Text(str(score), style=style)


def render_record(record: AuditRecord) -> Panel:
    scores = Table.grid(padding=(0, 2))
    for name, value in record.categories.items():
        scores.add_row(safe_text(CATEGORY_LABELS.get(name, name)), score_text(value))
    metrics = Table("metric", "lab value", "verdict", box=None, pad_edge=False)
    for verdict in verdicts(record):
        estimate = " (est.)" if verdict.key in record.estimated else ""
        metrics.add_row(
            verdict.label,
            verdict.display + estimate,
            Text(verdict.rating, style=_RATING_STYLE[verdict.rating]),
        )
    parts = [scores, *(Text(note, style="dim") for note in category_coverage(record)), Text(""), metrics]
    if record.field:
        field = Table(
            f"real Chrome users of {field_scope(record.field)} (75th percentile)",
            "value",
            "Google's verdict",
            box=None,
            pad_edge=False,
        )
        for row in field_rows(record.field):
            field.add_row(safe_text(row.label), safe_text(row.display), safe_text(row.verdict))
        parts += [Text(""), field]
    said = problems(record)
    heading = "Problems to mention" if said else f"No major problems found by {test_name(record.engine)}."
    parts += [Text(""), Text(heading, style="bold")]
    if not said and (unscored := unscored_categories(record)):
        parts.append(Text(f"Not scored by this test: {', '.join(unscored)}.", style="dim"))
    parts += [f"• {safe_text(sentence)}" for sentence in said]
    if failed := failed_audits(record):
        parts += [Text(""), Text("Lighthouse audits not passed", style="bold")]
        parts += [f"• {safe_text(line)}" for line in failed]
    title = f"{safe_text(record.final_url or record.url)} — {record.strategy}, {record.engine} engine"
    return Panel(Group(*parts), title=title, title_align="left")


def audits_table(rows: list[tuple[str, AuditRecord, str]]) -> Table:
    """One line per audit: (whose it is: a lead id, "demo of N" or nothing, record, when)."""
    table = Table("lead", "url", "strategy", "engine", "score", "LCP", "CLS", "TBT", "when")
    for whose, record, when in rows:
        marks = {v.key: v for v in verdicts(record)}
        table.add_row(
            whose,
            safe_text(record.final_url or record.url),
            record.strategy,
            record.engine,
            score_text(record.performance_score),
            Text(marks["lcp_ms"].display, style=_RATING_STYLE[marks["lcp_ms"].rating]),
            Text(marks["cls"].display, style=_RATING_STYLE[marks["cls"].rating]),
            Text(marks["tbt_ms"].display, style=_RATING_STYLE[marks["tbt_ms"].rating]),
            when,
        )
    return table
