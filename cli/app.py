"""The root `leadq` command: sub-apps loaded on demand, and one error boundary.

Importing every sub-app up front pulled in SQLAlchemy, Alembic, Selenium,
redis-py and Dramatiq for `leadq --help` and for every Tab press (1.7 s of
CPU). The root group therefore knows its sub-commands by name and short help
only (`SUBCOMMANDS`) and imports a sub-app's module when it is run; the
sub-app modules in turn import domain code inside their commands.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import Annotated

import typer
from typer.core import TyperGroup

from leadq import __version__

from .console import HELP_OPTIONS, warn
from .errors import one_line

#: name -> ("module:attribute", short help). A Typer attribute becomes a group,
#: a function one command. tests/cli/test_app.py checks each help against the
#: loaded command, so the two cannot drift apart.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "config": ("leadq.cli.config:app", "Inspect leadq's configuration."),
    "db": ("leadq.cli.db:app", "Manage leadq's database."),
    "queue": ("leadq.cli.queue:app", "Inspect and purge queues (needs Redis)."),
    "dead": ("leadq.cli.dead:app", "Inspect, requeue and purge dead letters (needs Redis)."),
    "job": ("leadq.cli.job:app", "Job history: list, status, wait, cancel."),
    "worker": (
        "leadq.cli.worker:worker",
        "Run worker processes that execute queued jobs until stopped (SIGTERM or Ctrl-C).",
    ),
    "doctor": ("leadq.cli.doctor:doctor", "Check everything leadq depends on. Exits 1 when a check fails."),
    "schedule": ("leadq.cli.schedule:app", "Cron schedules and user schedules run by `leadq scheduler`."),
    "scheduler": (
        "leadq.cli.scheduler:scheduler",
        "Fire the declared cron schedules and the user schedules until SIGTERM or Ctrl-C.",
    ),
    "top": (
        "leadq.cli.top:top",
        "Live dashboard: queues, live workers, actor throughput/failures/durations, last errors.",
    ),
    "email": ("leadq.cli.mail:app", "Outreach email: preview, test, inspect and resolve messages."),
    "suppress": (
        "leadq.cli.suppress:app",
        "Manage the suppression list (addresses or @domains never emailed).",
    ),
    "unsubscribe": ("leadq.cli.unsubscribe:app", "The unsubscribe endpoint."),
    "campaign": ("leadq.cli.campaign:app", "Outreach campaigns: an audience and a sequence of email steps."),
    "inbox": (
        "leadq.cli.inbox:app",
        "Replies, bounces and complaints read from the IMAP folder, and what leadq did about them.",
    ),
    "scrape": (
        "leadq.cli.scrape:app",
        "Scrape listings into leads (Craigslist, Yellow Pages, Google Maps, TOML-described sites).",
    ),
    "leads": ("leadq.cli.leads:app", "Inspect and export leads."),
    "pagespeed": (
        "leadq.cli.pagespeed:app",
        "Audit websites' speed and mobile readiness. "
        "`leadq pagespeed URL` is short for `leadq pagespeed audit URL`.",
    ),
    "audits": ("leadq.cli.audits:app", "Inspect stored website audits."),
    "demo": ("leadq.cli.demo:app", "Demo websites for leads: build, publish and track them."),
    "report": ("leadq.cli.report:app", "Reports a prospect can read: a website audit as HTML or PDF."),
    "ai": (
        "leadq.cli.ai:app",
        "AI: explainable lead scores, contact extraction, reply classification, email drafts, usage.",
    ),
}


def load_subcommand(name: str) -> typer.core.TyperCommand | TyperGroup:
    """Import the module behind ``name`` and build its click command."""
    target, _ = SUBCOMMANDS[name]
    module_name, attribute = target.split(":")
    obj = getattr(importlib.import_module(module_name), attribute)
    if isinstance(obj, typer.Typer):
        command = typer.main.get_group(obj)
    else:
        single = typer.Typer()
        single.command(name)(obj)
        command = typer.main.get_command(single)
    command.name = name
    return command


#: What Typer/click raise to exit or to report a usage error: they print and exit on their own.
#: (ClickException comes from the click Typer bundles, found by name across Typer versions.)
_CLI_SIGNALS = (
    typer.Exit,
    typer.Abort,
    next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"),
)


class _Listed(typer.core.TyperCommand):
    """A sub-command as help and completion list it: name and short help, nothing imported."""


class LeadqGroup(TyperGroup):
    """The root group: loads sub-apps on demand and turns errors into one line."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False
        for name in SUBCOMMANDS:
            self.commands.setdefault(name, None)

    def get_command(self, ctx, cmd_name: str):
        if cmd_name not in SUBCOMMANDS:
            return super().get_command(ctx, cmd_name)
        if self.commands.get(cmd_name) is None:
            if self._listing:
                return _Listed(name=cmd_name, help=SUBCOMMANDS[cmd_name][1])
            self.commands[cmd_name] = load_subcommand(cmd_name)
        return self.commands[cmd_name]

    def _listed(self, method, *args):
        self._listing = True
        try:
            return method(*args)
        finally:
            self._listing = False

    def format_help(self, ctx, formatter) -> None:
        self._listed(super().format_help, ctx, formatter)

    def shell_complete(self, ctx, incomplete: str):
        return self._listed(super().shell_complete, ctx, incomplete)

    def invoke(self, ctx):
        if not ctx.resilient_parsing and not HELP_OPTIONS.intersection(ctx._protected_args + ctx.args):
            _warn_unknown_settings()
        try:
            return super().invoke(ctx)
        except _CLI_SIGNALS:
            raise
        except Exception as exc:
            described = one_line(exc)
            if described is None:
                if ctx.params.get("verbose") or not _at_terminal:
                    raise
                # A bug, not bad input: still one line, with the way to the traceback.
                described = (
                    f"internal error: {type(exc).__name__}: {exc} (run `leadq -v ...` for the "
                    "traceback and report it)",
                    1,
                )
            message, code = described
            warn(message, label="error")
            raise typer.Exit(code=code) from None


def _warn_unknown_settings() -> None:
    """A typo such as LEADQ_REDIS_ULR silently falls back to a default: say so on every command."""
    if not any(name.upper().startswith("LEADQ_") for name in os.environ) and not os.path.isfile(".env"):
        return
    from leadq.settings import unknown_env_vars

    for name, suggestion in unknown_env_vars():
        hint = f" (did you mean {suggestion}?)" if suggestion else ""
        warn(f"{name} is not a leadq setting and is ignored{hint}; `leadq config show` lists them")


app = typer.Typer(
    cls=LeadqGroup,
    help="leadq: find local businesses, audit their sites and reach out, as Dramatiq jobs on Redis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": sorted(HELP_OPTIONS)},
)


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


#: True when run as the `leadq` program. In-process callers (the scheduler running a user
#: schedule, tests) get an unexpected exception itself, for their logs and Sentry.
_at_terminal = False


def main() -> None:
    global _at_terminal
    _at_terminal = True
    app()
