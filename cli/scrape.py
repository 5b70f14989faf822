"""`leadq scrape`: run a search scrape, list sources, and try a parser on a saved page."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from leadq.core.broker import current_runtime
from leadq.db import session_scope
from leadq.errors import UserError
from leadq.pagespeed.availability import audit_unavailable
from leadq.scrape.bundled_sample import SAMPLE_SITE, start_sample
from leadq.scrape.found_leads import found_leads
from leadq.scrape.progress import ScrapeProgress, scrape_progress
from leadq.scrape.request import ScrapeRequest, scrape_request
from leadq.scrape.runs import get_run
from leadq.settings import Settings, get_settings
from leadq.sources.base import Listing, Source
from leadq.sources.craigslist import CraigslistSource
from leadq.sources.declarative import load_spec_file
from leadq.sources.fetch import PoliteFetcher, check_reachable, waiting_rate_limit
from leadq.sources.registry import BUILTIN, REFUSED, get_source

from . import complete
from .console import err, out, print_json, print_table, safe_text
from .progress import InlineRun, progress_bar, run_or_follow
from .runtime import open_broker

app = typer.Typer(
    help="Scrape listings into leads (Craigslist, Yellow Pages, Google Maps, TOML-described sites)."
)

POLL = 0.25
#: Seconds beyond the history flush interval to wait for failed listings' errors.
HISTORY_GRACE = 2.0


@app.callback(invoke_without_command=True)
def scrape(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Option(help="Source name (see `leadq scrape sources`).", autocompletion=complete.sources)
    ] = "craigslist",
    source_file: Annotated[Path | None, typer.Option(help="A declarative source described in TOML.")] = None,
    site: Annotated[str | None, typer.Option(help="Craigslist site (sfbay) or directory location.")] = None,
    category: Annotated[str | None, typer.Option(help="Craigslist category code, e.g. sks.")] = None,
    query: Annotated[str | None, typer.Option(help="Search words.")] = None,
    location: Annotated[
        str | None, typer.Option(help="Where to search (Google Maps, Yellow Pages), e.g. 'Boston, MA'.")
    ] = None,
    max_listings: Annotated[int | None, typer.Option("--max", min=1, help="Most listings to scrape.")] = None,
    base_url: Annotated[str | None, typer.Option(help="Scrape this server instead of the live site.")] = None,
    inline: Annotated[bool, typer.Option(help="Run in this process (no Redis needed).")] = False,
    wait: Annotated[bool, typer.Option(help="Show progress until the scrape is done.")] = False,
    ignore_robots: Annotated[bool, typer.Option(help="Do not honour robots.txt (be sure you may).")] = False,
    pipeline: Annotated[
        bool, typer.Option(help="Continue each new or merged lead into website enrichment and the audit.")
    ] = False,
    sample: Annotated[
        bool,
        typer.Option(
            help="Scrape the bundled sample (a small Craigslist and its businesses' websites, "
            "served in this process on loopback; no network needed). Implies --inline."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Scrape a search into leads. Without --inline/--wait it prints the job id and returns."""
    if ctx.invoked_subcommand is not None:
        return
    settings = get_settings()
    if sample and (source != "craigslist" or source_file or base_url):
        raise UserError(
            "--sample is a Craigslist stand-in: use it without --source, --source-file, --base-url"
        )
    running = start_sample() if sample else None
    try:
        if running:
            settings = running.settings(settings)
        request = scrape_request(
            settings,
            source=source,
            source_file=source_file,
            site=site or (SAMPLE_SITE if running else None),
            category=category,
            query=query,
            location=location,
            max_listings=max_listings,
            base_url=running.base_url if running else base_url,
            ignore_robots=ignore_robots,
            pipeline=pipeline,
        )
        _scrape(settings, request, inline=inline or sample, wait=wait, as_json=as_json)
    finally:
        if running:
            running.close()


def _scrape(settings: Settings, request: ScrapeRequest, *, inline: bool, wait: bool, as_json: bool) -> None:
    url = request.open(settings)[1]
    if request.ignore_robots:
        err.print(
            "[yellow]warning:[/] --ignore-robots: robots.txt will not be honoured; "
            "make sure the site allows this.",
            highlight=False,
        )
    embedded = inline or not settings.uses_redis
    if embedded:
        check_reachable(url, settings)
    broker = open_broker(inline=inline, settings=settings)
    from leadq.actors.scrape import enqueue_scrape

    run_id, job_id, url = enqueue_scrape(settings, request)

    def follow(run: InlineRun | None) -> ScrapeProgress:
        progress = _follow(settings, run_id, job_id, show=wait and not as_json, worker=run, broker=broker)
        if run is not None and progress.state not in ("blocked", "failed"):
            # Follow-up work (--pipeline enrichment and audits) finishes before the summary.
            with (
                err.status("enriching and auditing lead websites", spinner="dots")
                if (request.pipeline and wait and not as_json)
                else nullcontext()
            ):
                run.finish()
        return progress

    def enqueued() -> None:
        out.print(
            f"scrape run {run_id} enqueued as job [bold]{job_id}[/]; "
            f"follow it with `leadq scrape status {run_id} --wait`",
            highlight=False,
        )

    with _quiet_worker_logs():
        progress = run_or_follow(broker, wait=wait, follow=follow, enqueued=enqueued)
    if progress is not None:
        _report(progress, url, as_json, leads=_found(settings, progress) if request.pipeline else None)


def _found(settings: Settings, progress: ScrapeProgress) -> dict[str, Any]:
    """The run's leads with their enrichment and audit, and why audits were skipped, if they were."""
    skipped = audit_unavailable(settings)
    rows, total = found_leads(settings, progress.run_id, audit_skipped=skipped is not None)
    return {"leads": rows, "total": total, "audit_skipped": skipped}


@contextmanager
def _quiet_worker_logs() -> Iterator[None]:
    """Hide the in-process worker's tracebacks (the summary reports failed listings)
    unless --verbose; the level is restored afterwards."""
    logger = logging.getLogger("dramatiq")
    previous = logger.level
    if logging.getLogger().level > logging.DEBUG:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _follow(
    settings: Settings,
    run_id: int,
    job_id: str,
    *,
    show: bool,
    worker: InlineRun | None = None,
    broker=None,
) -> ScrapeProgress:
    """Poll the run until done, drawing a Rich progress bar when ``show``.

    ``worker`` is the in-process runner of an embedded scrape: once it has
    drained every queue, the history still buffered in memory is flushed and
    read one last time.
    """
    with progress_bar(show=show) as bar:
        task = bar.add_task("searching", total=None)
        done_at = None
        while True:
            progress = scrape_progress(settings, run_id, job_id)
            bar.update(
                task,
                total=progress.to_scrape or None,
                completed=progress.stored + progress.errors,
                description=_describe(progress),
            )
            if progress.done and progress.samples_complete:
                return progress
            if worker is not None and not worker.is_alive():
                current_runtime().history.flush()
                return scrape_progress(settings, run_id, job_id)
            if progress.done:
                # Failed listings' errors reach job history a moment after they are
                # counted: give the workers' history writers time to catch up.
                done_at = done_at or time.monotonic()
                if time.monotonic() - done_at > settings.history_flush_interval + HISTORY_GRACE:
                    return progress
            time.sleep(POLL)


def _describe(p: ScrapeProgress) -> str:
    return (
        f"pages {p.pages} · listings {p.listings} · new {p.new} · updated {p.updated + p.merged} · "
        f"skipped {p.skipped + p.unchanged} · errors {p.errors}"
    )


SUMMARY_COLUMNS = ("pages", "listings", "new", "updated", "merged", "unchanged", "skipped", "errors")


def _report(progress: ScrapeProgress, url: str, as_json: bool, leads: dict[str, Any] | None = None) -> None:
    if as_json:
        data = progress.as_dict()
        if leads is not None:
            data["leads"] = [row.as_dict() for row in leads["leads"]]
            data["audit_skipped"] = leads["audit_skipped"]
        print_json(data)
    else:
        table = Table(title=f"scrape run {progress.run_id}: {safe_text(url)}")
        for name in SUMMARY_COLUMNS:
            table.add_column(name, justify="right")
        table.add_row(*(str(getattr(progress, name)) for name in SUMMARY_COLUMNS))
        print_table(table)
        if progress.errors:
            err.print(f"{progress.errors} listing(s) failed and were skipped, e.g.:", highlight=False)
            for sample in progress.error_samples:
                err.print(f"  {safe_text(sample)}", highlight=False, soft_wrap=True)
    if progress.state == "blocked":
        raise UserError(f"{progress.message}; the search job retries later (run a worker to let it)")
    if progress.state == "failed":
        raise UserError(f"search failed: {progress.message}")
    if leads is not None and not as_json:
        _print_leads(leads)


def _print_leads(found: dict[str, Any]) -> None:
    """The leads table, why audits were skipped (one line), and where to look next."""
    rows, total = found["leads"], found["total"]
    if rows:
        table = Table(title="leads found", title_justify="left")
        table.add_column("id", justify="right")
        for name in ("name", "phone", "website", "emails found"):
            table.add_column(name, overflow="fold")
        table.add_column("audit score", justify="right", overflow="fold")
        for row in rows:
            audit = str(row.score) if row.score is not None else row.audit
            cells = (row.name or "", row.phone or "", row.website or "", ", ".join(row.emails), audit)
            table.add_row(str(row.id), *(safe_text(cell) for cell in cells))
        print_table(table)
        if total > len(rows):
            out.print(f"{len(rows)} of {total} leads shown; `leadq leads list` lists all", highlight=False)
    if found["audit_skipped"]:
        err.print(f"audit skipped: {found['audit_skipped']}", highlight=False, markup=False, soft_wrap=True)
    if rows:
        audited = [row for row in rows if row.score is not None]
        worst = min(audited, key=lambda row: row.score) if audited else rows[0]
        out.print(
            f"next: `leadq leads show {worst.id}` (one lead and what its website showed), "
            "`leadq audits list --worst` (slowest sites first), `leadq leads list` (every lead)",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )


@app.command("status")
def status(
    run_id: Annotated[int, typer.Argument(help="Scrape run id (printed when the scrape was enqueued).")],
    wait: Annotated[bool, typer.Option(help="Show progress until the scrape is done.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Where a scrape run stands: pages, listings, lead outcomes and errors."""
    settings = get_settings()
    with session_scope(settings) as session:
        run = get_run(run_id, session=session)
    if run is None or run.job_id is None:
        raise UserError(f"no scrape run {run_id}")
    if wait:
        progress = _follow(settings, run.id, run.job_id, show=not as_json)
    else:
        progress = scrape_progress(settings, run.id, run.job_id)
    _report(progress, f"{run.source} {run.site or ''} {run.query or ''}".strip(), as_json)


@app.command("sources")
def sources(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """List the sources and the settings each one reads."""
    settings = get_settings()
    rows = [
        {"name": name, "description": cls.description, "settings": cls(settings).settings_summary()}
        for name, cls in sorted(BUILTIN.items())
    ]
    rows.append(
        {
            "name": "--source-file FILE.toml",
            "description": "declarative source: CSS selectors in TOML",
            "settings": {},
        }
    )
    rows += [
        {"name": name, "description": f"refused: {reason}", "settings": {}}
        for name, reason in REFUSED.items()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("source", "description", "settings")
    for row in rows:
        table.add_row(
            row["name"], row["description"], "\n".join(f"{k} = {v}" for k, v in row["settings"].items())
        )
    print_table(table)


@app.command("parse")
def parse(
    target: Annotated[str, typer.Argument(help="A saved page (file) or a URL.")],
    source: Annotated[
        str, typer.Option(help="Source whose parser to use.", autocompletion=complete.sources)
    ] = "craigslist",
    source_file: Annotated[Path | None, typer.Option(help="A declarative source in TOML.")] = None,
    page: Annotated[str, typer.Option(help="search | posting | listing")] = "search",
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Parse one page and show what the parser extracts (for when a site changes its layout)."""
    settings = get_settings()
    src = get_source(source, settings, load_spec_file(source_file) if source_file else None)
    html, url = _read_target(target, settings, src, page)
    data = parse_page(src, page, html, url)
    if as_json:
        print_json(data)
    elif isinstance(data, list):
        table = Table("external_id", "title", "price", "location", "url")
        for row in data:
            table.add_row(
                *(
                    safe_text(row.get(key) if row.get(key) is not None else "")
                    for key in ("external_id", "title", "price", "location", "url")
                )
            )
        print_table(table)
        out.print(f"{len(data)} listing(s)")
    else:
        for key, value in data.items():
            out.print(f"[bold]{key}[/]: {safe_text(repr(value))}", highlight=False)


def parse_page(src: Source, page: str, html: str, url: str) -> Any:
    """What ``leadq scrape parse`` prints: listings, a posting, or lead records."""
    if page == "search":
        return [_listing_json(listing) for listing in src.parse_search(html, url).listings]
    if page == "posting":
        if not isinstance(src, CraigslistSource):
            raise UserError(
                "--page posting is Craigslist's posting page; use --page listing for other sources"
            )
        return src.parse_posting(html, url).to_dict()
    if page == "listing":
        if src.fetches_detail:
            return src.parse_detail(
                html, url, Listing(source=src.name, external_id=url, url=url, title=None)
            ).to_dict()
        return [
            src.record_from_listing(listing).to_dict() for listing in src.parse_search(html, url).listings
        ]
    raise UserError(f"--page must be search, posting or listing, not {page!r}")


def _listing_json(listing) -> dict[str, Any]:
    data = listing.to_dict()
    extra = data.pop("extra")
    return {**data, **{key: value for key, value in extra.items() if key not in data}}


def _read_target(target: str, settings: Settings, src: Source, page: str) -> tuple[str, str]:
    if target.startswith(("http://", "https://")):
        open_broker(inline=True, settings=settings)  # the per-host rate limiter lives on the broker
        fetcher = PoliteFetcher(settings, trusted_origin=src.base_url, limiter=waiting_rate_limit)
        try:
            # Through the source's own fetch, so a Google Maps URL is rendered in Chromium.
            if page == "search":
                return src.fetch_search(target, fetcher, settings.scrape_max_listings), target
            return src.fetch_detail(target, fetcher), target
        finally:
            fetcher.close()
    path = Path(target)
    try:
        return path.read_text(encoding="utf-8", errors="replace"), path.resolve().as_uri()
    except OSError as exc:
        raise UserError(f"cannot read {target}: {exc.strerror}") from None
