"""The root `leadq` command: joins every sub-app and turns leadq's errors into one line."""

from __future__ import annotations

import logging
from typing import Annotated

import redis
import typer
from typer.core import TyperGroup

from leadq import __version__
from leadq.errors import LeadqError
from leadq.redact import mask_url
from leadq.settings import get_settings

from . import (
    audits,
    campaign,
    config,
    db,
    dead,
    doctor,
    job,
    leads,
    mail,
    pagespeed,
    queue,
    schedule,
    scheduler,
    scrape,
    suppress,
    top,
    unsubscribe,
    worker,
)
from .console import err, safe_text


class LeadqGroup(TyperGroup):
    """Catches user-facing errors at the boundary so no command prints a traceback."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except LeadqError as exc:
            err.print(f"[bold red]error:[/] {safe_text(mask_url(str(exc)))}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from None
        except redis.exceptions.ConnectionError as exc:
            url = safe_text(mask_url(get_settings().redis_url or "redis://127.0.0.1:6379/0"))
            err.print(
                f"[bold red]error:[/] cannot reach Redis at {url} ({safe_text(exc)}). Start it "
                "(`sudo apt-get install redis-server` or `redis-server --daemonize yes`), "
                "set LEADQ_REDIS_URL, or run with --inline.",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(code=1) from None


app = typer.Typer(
    cls=LeadqGroup,
    help="leadq: find local businesses, audit their sites and reach out, as Dramatiq jobs on Redis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(config.app, name="config")
app.add_typer(db.app, name="db")
app.add_typer(queue.app, name="queue")
app.add_typer(dead.app, name="dead")
app.add_typer(job.app, name="job")
app.command("worker")(worker.worker)
app.command("doctor")(doctor.doctor)
app.add_typer(schedule.app, name="schedule")
app.command("scheduler")(scheduler.scheduler)
app.command("top")(top.top)
app.add_typer(mail.app, name="email")
app.add_typer(suppress.app, name="suppress")
app.add_typer(unsubscribe.app, name="unsubscribe")
app.add_typer(campaign.app, name="campaign")
app.add_typer(scrape.app, name="scrape")
app.add_typer(leads.app, name="leads")
app.add_typer(pagespeed.app, name="pagespeed")
app.add_typer(audits.app, name="audits")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"leadq {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug output.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """leadq: find local businesses, audit their sites and reach out, as Dramatiq jobs on Redis."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main() -> None:
    app()
