"""The root command: lazy sub-apps, `-h`, exit codes, settings warnings and whole table cells."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from leadq.cli.app import SUBCOMMANDS, app, load_subcommand
from sqlmodel import Session
from typer.core import TyperGroup
from typer.testing import CliRunner

from leadq.core.models import Job
from leadq.db import ensure_schema
from leadq.settings import get_settings

runner = CliRunner()

#: What made `leadq --help` cost 1.7 s of CPU; none may load for help or a Tab press.
HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "dramatiq",
    "redis",
    "selenium",
    "phonenumbers",
    "pydantic_settings",
)


def _modules_loaded_by(argv: list[str], extra_env: dict[str, str] | None = None) -> set[str]:
    """Run the CLI in a fresh interpreter and return which HEAVY top-level packages it imported."""
    script = (
        "import sys\n"
        f"sys.argv = {['leadq', *argv]!r}\n"
        "from leadq.cli.app import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = {HEAVY!r}\n"
        "import json\n"
        "sys.stderr.write(json.dumps(sorted(h for h in heavy if h in sys.modules)))\n"
    )
    env = {**os.environ, **(extra_env or {})}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_root_help_imports_no_database_broker_or_browser_library():
    assert _modules_loaded_by(["--help"]) == set()


def test_queue_help_and_tab_completion_of_queue_names_import_none_of_them():
    assert _modules_loaded_by(["queue", "--help"]) == set()
    tab = {"_LEADQ_COMPLETE": "complete_bash", "COMP_WORDS": "leadq queue purge ", "COMP_CWORD": "3"}
    assert _modules_loaded_by([], tab) == set()


def test_tab_completes_queue_names_and_job_states():
    tab = {"_LEADQ_COMPLETE": "complete_bash", "COMP_WORDS": "leadq queue purge s", "COMP_CWORD": "3"}
    leadq = os.path.join(os.path.dirname(sys.executable), "leadq")
    done = subprocess.run([leadq], env={**os.environ, **tab}, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["scrape"]
    zsh = {"_LEADQ_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "leadq job list -s f"}
    result = runner.invoke(app, [], env=zsh, prog_name="leadq")
    assert '"failed"' in result.stdout and "succeeded" not in result.stdout


def test_tab_completes_job_ids_from_job_history(env, tmp_path):
    env()
    _store_jobs(["abc123def456", "abd999"])
    zsh = {"_LEADQ_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "leadq job status abc"}
    result = runner.invoke(app, [], env=zsh, prog_name="leadq")
    assert "abc123def456" in result.stdout and "abd999" not in result.stdout


@pytest.mark.parametrize("name", list(SUBCOMMANDS))
def test_the_listed_help_is_the_commands_own(name):
    """The registry shows help without importing; it must say what the loaded command says."""
    command = load_subcommand(name)
    own = " ".join((command.help or "").split("\n\n")[0].split())
    assert SUBCOMMANDS[name][1] == own


def _every_command_path(command, path=()):
    yield path
    if isinstance(command, TyperGroup):
        for name in command.list_commands(None):
            yield from _every_command_path(command.get_command(None, name), (*path, name))


def test_dash_h_prints_help_for_every_command():
    for name in SUBCOMMANDS:
        for path in _every_command_path(load_subcommand(name), (name,)):
            result = runner.invoke(app, [*path, "-h"])
            assert result.exit_code == 0, (path, result.output)
            assert "Usage:" in result.output, path


def test_usage_errors_exit_2_and_failures_exit_1(env):
    env()
    usage = [
        (["queue", "purge", "nowhere", "--yes"], "unknown queue 'nowhere'"),
        (["queue", "purge", "scrape", "--all"], "name one queue or pass --all"),
        (["job", "list", "--since", "yesterday"], "cannot read duration"),
        (["job", "list", "--state", "exploded"], "unknown state"),
        (["dead", "requeue", "abc", "--all"], "give a job id or --all"),
        (["schedule", "add", "--cron", "61 * * * *", "--", "schedule", "run", "health_check"], "cron"),
        (["no-such-command"], "No such command"),
    ]
    for args, message in usage:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, args
        assert "Traceback" not in result.output
    result = runner.invoke(app, ["job", "status", "no-such-job"])
    assert result.exit_code == 1 and "no job with id" in result.stderr


def test_an_invalid_setting_is_one_line_naming_the_variable_and_what_it_expects(env):
    env(LEADQ_WORKER_THREADS="many", LEADQ_BROKER="rabbitmq")
    result = runner.invoke(app, ["job", "list"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "LEADQ_WORKER_THREADS='many': expected a valid integer" in lines[0]
    assert "LEADQ_BROKER='rabbitmq': expected 'auto', 'redis' or 'embedded'" in lines[0]


def test_an_unknown_variable_is_warned_about_by_commands_and_fails_doctor(env):
    env(LEADQ_REDIS_ULR="redis://127.0.0.1:6379/0")
    result = runner.invoke(app, ["job", "list", "--json"])
    assert result.exit_code == 0
    assert "LEADQ_REDIS_ULR is not a leadq setting" in result.stderr
    assert "did you mean LEADQ_REDIS_URL?" in result.stderr
    assert json.loads(result.stdout) == []
    result = runner.invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1
    settings_check = next(c for c in json.loads(result.stdout) if c["name"] == "settings")
    assert settings_check["status"] == "fail" and "LEADQ_REDIS_ULR" in settings_check["detail"]


def _store_jobs(ids: list[str], **fields) -> None:
    now = time.time()
    with Session(ensure_schema(get_settings())) as session:
        for n, job_id in enumerate(ids):
            session.add(
                Job(
                    id=job_id,
                    actor="scrape_search",
                    queue="scrape",
                    state="failed",
                    enqueued_at=now - n,
                    **fields,
                )
            )
        session.commit()


def test_tables_keep_ids_and_errors_whole_when_stdout_is_not_a_terminal(env):
    env()
    long_id = "0123456789abcdef-" * 4
    url = "https://very-long-business-name.example.com/" + "path/" * 20
    _store_jobs([long_id], error_type="ParseError", error_message=f"unexpected page at {url}")
    result = runner.invoke(app, ["job", "list"], terminal_width=80)
    assert result.exit_code == 0
    assert long_id in result.stdout
    assert url in result.stdout


def test_a_list_cut_at_its_limit_says_so(env):
    env()
    _store_jobs([f"job-{n:04d}" for n in range(7)])
    result = runner.invoke(app, ["job", "list", "--limit", "5"])
    assert result.exit_code == 0
    assert "5 of 7 shown; --limit" in result.stderr
    assert "job-0004" in result.stdout and "job-0005" not in result.stdout
    result = runner.invoke(app, ["job", "list", "--limit", "7"])
    assert "shown; --limit" not in result.stderr


def test_tab_completes_source_names_and_they_are_the_builtin_sources():
    from leadq.core.vocabulary import SOURCES
    from leadq.sources.registry import BUILTIN

    assert SOURCES == tuple(sorted(BUILTIN))
    zsh = {"_LEADQ_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "leadq scrape --source g"}
    result = runner.invoke(app, [], env=zsh, prog_name="leadq")
    assert '"google-maps"' in result.stdout and "craigslist" not in result.stdout


def test_leads_list_cut_at_its_limit_says_so_and_keeps_websites_whole(env):
    from leadq.db import session_scope
    from leadq.leads.record import LeadRecord
    from leadq.leads.store import upsert_lead

    env()
    domain = "a-very-long-landscaping-business-name-in-san-francisco.example"
    with session_scope(get_settings()) as session:
        for n in range(4):
            record = LeadRecord(
                source="craigslist", external_id=str(n), name=f"Lead {n}", website=f"https://{n}{domain}"
            )
            upsert_lead(record, session=session)
    result = runner.invoke(app, ["leads", "list", "--limit", "3"], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert "3 of 4 shown; --limit" in result.stderr
    assert f"3{domain}" in result.stdout and f"0{domain}" not in result.stdout
    result = runner.invoke(app, ["leads", "list", "--limit", "4"])
    assert "shown; --limit" not in result.stderr


def test_an_unknown_variable_in_dot_env_is_warned_about_too(env, tmp_path):
    env()
    (tmp_path / ".env").write_text("LEADQ_NAMESAPCE=mine\nLEADQ_NAMESPACE=ok\n")
    result = runner.invoke(app, ["job", "list", "--json"])
    assert result.exit_code == 0
    assert "LEADQ_NAMESAPCE is not a leadq setting" in result.stderr
    assert "LEADQ_NAMESPACE is not" not in result.stderr


def test_exclusive_options_and_unknown_names_in_other_commands_exit_2(env):
    env()
    for args in (
        ["email", "list", "--state", "lost"],
        ["pagespeed", "run"],
        ["scrape", "--source", "nowhere", "--inline"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
