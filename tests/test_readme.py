"""Every command in README.md's ```bash blocks runs, as written, against real services.

The commands run in README order in one environment: the private test Redis
(a namespace of its own), a temporary data dir and working directory, the
suite's own venv. A failure names the README line, the command that ran and
its output. How README notation becomes commands (documented here, so a new
README command either runs or says exactly why not):

- ``# needs network`` (or ``# needs an SMTP account``, ``# needs an IMAP account``) at
  the end of a line: the command needs the real internet or a real mail account; only
  ``--help`` runs.
- ``sudo CMD``: it changes the machine (users, systemd units); only ``CMD --help`` runs
  (for ``sudo sh -c '...; leadq ...'``, the leadq command's ``--help``).
- ``[...]``: optional parts are left out of the run; every ``--option`` on the
  line, optional or not, must be one the command accepts.
- ``a|b|c`` inside a word: one run per alternative. `` | `` between words: the
  text after it continues the same command group (``leadq dead show ID | purge``
  is ``leadq dead show ID`` and ``leadq dead purge``).
- ``CMD &``: started in the background for the rest of the run; the next command
  runs once it has printed its first line (scripts/sample-site prints its address).
- Commands that run until stopped (``LONG_RUNNING``): started, still running
  without an error after a few seconds, then stopped; ``leadq worker`` keeps
  running in the background for the commands after it (they need a worker).
- Placeholders are replaced as ``SUBSTITUTIONS`` says (ids of things the run
  made: the job and the dead letter ``PREPARE`` makes, the schedule the README's
  own ``schedule add`` made; a queue name; files the test writes).
- The first command's ``python3 -m venv .venv && .venv/bin/pip install -q .``
  is what scripts/test did for this suite (the wheel's contents are
  tests/test_packaging.py's); its ``.venv/bin/leadq ...`` runs as a real
  process with a fresh user data dir and no LEADQ_* settings.
- ``scripts/test`` is the command running this test.
- A line ending in ``\\`` continues on the next one, as in the shell.
- Confirmation prompts are answered "y".
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import pytest
from leadq.cli.app import app
from leadq.cli.schedule_runner import parse_command
from typer.testing import CliRunner

from leadq.core.broker import setup_broker
from leadq.core.enqueue import send
from leadq.db import session_scope
from leadq.errors import UserError
from leadq.leads.models import Lead
from leadq.ops.schedules import find_periodic
from leadq.settings import get_settings
from tests.campaign_factory import write_campaign
from tests.conftest import FIXTURES

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MARKERS = ("needs network", "needs an SMTP account", "needs an IMAP account")
LONG_RUNNING = ("leadq worker", "leadq scheduler", "leadq top", "scripts/sample-site")
SELF = "scripts/test"
FIRST_COMMAND = "python3 -m venv .venv && "
#: Seconds a long-running command must stay up without an error.
UP_FOR = 4.0
#: Seconds a background command (``CMD &``) may take to print its first line (its "ready").
READY_WITHIN = 30.0
PLACEHOLDER = re.compile(r"^[A-Z][A-Z_]*$")


@dataclass
class ReadmeCommand:
    line: int
    text: str
    command: str
    comment: str = ""

    @property
    def where(self) -> str:
        return f"README.md:{self.line}: `{self.text.strip()}`"


@dataclass
class Run:
    """What the README run has made that later commands refer to."""

    values: dict[str, str] = field(default_factory=dict)
    background: list[subprocess.Popen] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def readme_commands(text: str) -> list[ReadmeCommand]:
    """Every non-empty line of every ```bash block, with its line number and trailing comment."""
    commands, inside, continued = [], False, None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            inside = line.strip() == "```bash" and not inside
            continue
        if continued is not None:  # a line ending in a backslash goes on here
            number, line = continued[0], continued[1][:-1] + line.lstrip()
            continued = None
        if inside and line.rstrip().endswith("\\"):
            continued = (number, line.rstrip())
            continue
        if inside and line.strip() and not line.lstrip().startswith("#"):
            command, _, comment = re.split(r"(\s+#\s)", line, maxsplit=1) if " # " in line else (line, "", "")
            commands.append(ReadmeCommand(number, line, command.strip(), comment.strip()))
    return commands


def expand(command: str, *, optional: bool = False) -> list[list[str]]:
    """The argv of each run a README synopsis stands for (see the module docstring);
    ``optional`` keeps the ``[...]`` parts (to check that the command accepts them)."""
    if optional:
        command = command.replace("[", "").replace("]", "")
    else:
        command = re.sub(r"\[[^\]]*\]", "", command)
    segments = command.split(" | ")
    group = shlex.split(segments[0])[:2]
    runs = []
    for index, segment in enumerate(segments):
        words = shlex.split(segment)
        if index:
            words = group + words
        alternatives = [word.split("|") if "|" in word else [word] for word in words]
        runs += [list(choice) for choice in product(*alternatives)]
    return runs


def unparsable(argv: list[str], run: Run) -> str | None:
    """Why `leadq` would refuse ``argv`` (unknown command or option), from the real command tree,
    without running it; a placeholder with nothing made for it yet parses as "x"."""
    words = []
    for word in argv[1:]:
        try:
            word = substitute([argv[0], argv[1], word], run)[2]
        except LookupError:
            word = "x"
        words.append(word)
    own, _, carried = shlex.join(words).partition(" -- ")
    try:
        parse_command(shlex.split(own))
        if carried:
            parse_command(shlex.split(carried))
    except UserError as exc:
        return str(exc)
    return None


def substitute(argv: list[str], run: Run) -> list[str]:
    """Placeholders and stand-ins (``SUBSTITUTIONS``) replaced for this run."""
    out = []
    for word in argv:
        keys = (f"{' '.join(argv[1:3])}:{word}", f"{argv[1] if len(argv) > 1 else ''}:{word}", word)
        key = next((key for key in keys if key in SUBSTITUTIONS), None)
        if key is not None and key in run.values:
            word = run.values[key]
        elif key is not None:
            raise LookupError(f"nothing made yet for {word}: {SUBSTITUTIONS[key]}")
        elif PLACEHOLDER.match(word):
            raise LookupError(f"no substitution for placeholder {word} (add one to SUBSTITUTIONS)")
        out.append(word)
    return out


#: Placeholders and stand-ins ("<leadq sub-app>:<word>" or "<word>") and what the run uses for
#: them; the values are set by ``prepare``, ``prepare_jobs`` and ``remember`` as the run goes.
#: Files the README names (plumbers.toml, saved-psi-response.json) are written by ``prepare``.
SUBSTITUTIONS = {
    "queue:QUEUE": "the scrape queue",
    "dead:ID": "the dead letter prepare_jobs makes (an audit of a refused private URL)",
    "job:ID": "the job prepare_jobs makes (`leadq schedule run health_check`, done by the worker)",
    "job cancel:ID": "a job prepare_jobs enqueues an hour ahead, so there is something to cancel",
    "schedule:ID": "the schedule the README's own `schedule add` line made",
    "email:ID": "a made-up id (no message is ever in state unknown here): refused in one line",
    "inbox:ID": "a made-up id (no inbox is read here): refused in one line",
    "suppress:FILE": "suppress.txt, one address, written by prepare",
    "suppress:ADDRESS": "an address",
    "8765": "a free port, so parallel runs do not collide",
    "http://127.0.0.1:8765": "scripts/sample-site on that free port",
}


def _cli(argv: list[str], run: Run) -> tuple[int, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, argv[1:], input="y\ny\n")
    output = result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        output += "".join(traceback.format_exception(result.exception))
    return result.exit_code, output


def _spawn(argv: list[str], log: Path) -> subprocess.Popen:
    executable = BIN / argv[0] if (BIN / argv[0]).exists() else REPO / argv[0]
    return subprocess.Popen(
        [str(executable), *argv[1:]],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        cwd=os.getcwd(),
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _long_running(argv: list[str], command: ReadmeCommand, run: Run, tmp: Path) -> str | None:
    log = tmp / f"line{command.line}.log"
    process = _spawn(argv, log)
    time.sleep(UP_FOR)
    alive = process.poll() is None
    output = log.read_text(errors="replace")
    if argv[:2] == ["leadq", "worker"] and alive:
        run.background.append(process)  # the commands after it need a worker
        return None
    _stop(process)
    if not alive:
        return f"exited with {process.returncode} within {UP_FOR:g} s:\n{output[-1500:]}"
    if "Traceback" in output or "ERROR" in output or "CRITICAL" in output:
        return f"logged an error while running:\n{output[-1500:]}"
    return None


def _run_one(argv: list[str], command: ReadmeCommand, run: Run, tmp: Path) -> str | None:
    """None when the command worked, else why not."""
    if command.command.endswith("&"):
        log = tmp / f"line{command.line}.log"
        process = _spawn(argv, log)
        run.background.append(process)
        deadline = time.monotonic() + READY_WITHIN
        while not log.read_text(errors="replace") and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        if process.poll() is not None:
            return f"exited with {process.returncode}:\n{log.read_text(errors='replace')[-1500:]}"
        return None if log.read_text(errors="replace") else f"printed nothing within {READY_WITHIN:g} s"
    if " ".join(argv[:2]) in LONG_RUNNING or argv[0] in LONG_RUNNING:
        return _long_running(argv, command, run, tmp)
    if argv[0] != "leadq":
        if argv[0].startswith("scripts/"):
            argv = [str(REPO / argv[0]), *argv[1:]]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return None if done.returncode == 0 else f"exit {done.returncode}:\n{done.stdout}{done.stderr}"
    code, output = _cli(argv, run)
    if argv[1:3] in (["email", "resolve"], ["inbox", "show"]):  # see SUBSTITUTIONS["email:ID"], ["inbox:ID"]
        ok = code == 1 and "Traceback" not in output and output.count("\n") <= 2
        return None if ok else f"exit {code} (expected a one-line refusal):\n{output[-1500:]}"
    if code != 0 or "Traceback" in output:
        return f"exit {code}:\n{output[-1500:]}"
    remember(argv, output, run)
    return None


def remember(argv: list[str], output: str, run: Run) -> None:
    """Ids later README lines refer to."""
    if argv[1:3] == ["schedule", "add"]:
        found = re.search(r"schedule (\w+):", output)
        if found:
            run.values["schedule:ID"] = found.group(1)


def _help_only(argv: list[str]) -> str | None:
    if argv[:2] == ["sh", "-c"]:  # a shell line around leadq: check the leadq command in it
        parts = [shlex.split(part) for part in argv[2].split(";") if part.strip()]
        inner = next(words for words in parts if Path(words[0]).name == "leadq")
        argv = ["leadq", *inner[1:]]
    if argv[0] == "leadq":
        code, output = _cli([*argv[:2], "--help"], Run())
    else:
        done = subprocess.run([str(REPO / argv[0]), "--help"], capture_output=True, text=True, timeout=60)
        code, output = done.returncode, done.stdout + done.stderr
    return None if code == 0 else f"`{' '.join(argv[:2])} --help` exit {code}:\n{output[-1500:]}"


def check_line(command: ReadmeCommand, run: Run, tmp: Path) -> None:
    def fail(ran: str, why: str) -> None:
        run.failures.append(f"{command.where}\n    ran: {ran}\n    {why}")

    if command.command == SELF:
        return
    if command.command.startswith(FIRST_COMMAND):
        why = _first_command(command, tmp)
        if why:
            fail(command.command, why)
        return
    synopsis = command.command.removesuffix("&").strip()
    if synopsis.startswith("leadq "):
        for argv in expand(synopsis, optional=True):
            why = unparsable(argv, run)
            if why:
                fail(shlex.join(argv), f"leadq refuses it (with the optional parts): {why}")
                return
    runs = expand(synopsis)
    for argv in runs:
        needs = next((marker for marker in MARKERS if marker in command.comment), None)
        if needs or argv[0] == "sudo":
            target = argv[1:] if argv[0] == "sudo" else argv
            why = _help_only(target)
            if why:
                fail(shlex.join(target) + " --help", why)
            continue
        try:
            argv = substitute(argv, run)
        except LookupError as exc:
            fail(shlex.join(argv), str(exc))
            continue
        why = _run_one(argv, command, run, tmp)
        if why:
            fail(shlex.join(argv), why)


def _first_command(command: ReadmeCommand, tmp: Path) -> str | None:
    """The README's first line: the `leadq` part as a real process on a fresh machine's settings."""
    parts = [part.strip() for part in command.command.split("&&")]
    if parts[:2] != ["python3 -m venv .venv", ".venv/bin/pip install -q ."]:
        return f"expected the venv and install steps first, found {parts[:2]}"
    argv = shlex.split(parts[2])
    home = tmp / "fresh-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADQ_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), COLUMNS="120")
    done = subprocess.run(
        [str(BIN / "leadq"), *argv[1:]], capture_output=True, text=True, env=env, cwd=tmp, timeout=150
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 or "Traceback" in output:
        return f"exit {done.returncode}:\n{output[-2000:]}"
    if "leads found" not in done.stdout or "next: `leadq leads show" not in done.stdout:
        return f"the summary lacks the leads table or where to look next:\n{done.stdout[-2000:]}"
    if not (home / ".local/share/leadq/leadq.db").exists():
        return "the embedded run did not use SQLite in the user data dir"
    return None


def prepare(run: Run, tmp: Path) -> None:
    """Files the README names, and (once the README's worker is up) a finished job and a dead letter."""
    write_campaign(tmp / "campaign", name="plumbers")
    shutil.copy(tmp / "campaign" / "campaign.toml", tmp / "plumbers.toml")
    for name in ("intro.toml", "follow-up.toml"):
        shutil.copy(tmp / "campaign" / name, tmp / name)
    shutil.copy(
        FIXTURES / "psi" / "psi-v5-response-2019-html5rocks-desktop.json", tmp / "saved-psi-response.json"
    )
    (tmp / "suppress.txt").write_text("nobody@example.com\n")
    port = _free_port()
    run.values.update(
        {
            "queue:QUEUE": "scrape",
            "suppress:FILE": "suppress.txt",
            "suppress:ADDRESS": "nobody@example.com",
            "email:ID": "999999",
            "inbox:ID": "999999",
            "8765": port,
            "http://127.0.0.1:8765": f"http://127.0.0.1:{port}",
        }
    )
    with session_scope(get_settings()) as session:  # `leadq email preview ... --lead 42`
        session.add(
            Lead(id=42, name="Joe's Plumbing", email="joe@joes-plumbing.example", source="craigslist")
        )


def prepare_jobs(run: Run) -> str | None:
    """A job the worker finished and a dead letter, for `leadq job ... ID` and `leadq dead ... ID`."""
    code, output = _cli(["leadq", "schedule", "run", "health_check"], run)
    if code:
        return f"`leadq schedule run health_check` failed: {output}"
    run.values["job:ID"] = output.strip().splitlines()[-1]
    health_check = find_periodic(setup_broker(get_settings()), get_settings(), "health_check").actor
    run.values["job cancel:ID"] = send(health_check, delay=3600)
    code, output = _cli(["leadq", "pagespeed", "run", "http://127.0.0.1:9/"], run)
    if code:
        return f"`leadq pagespeed run http://127.0.0.1:9/` failed: {output}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        code, output = _cli(["leadq", "dead", "list", "--json"], run)
        letters = json.loads(output) if code == 0 and output.strip().startswith("[") else []
        if letters:
            run.values["dead:ID"] = letters[0]["job_id"]
            return None
        time.sleep(0.5)
    return "no dead letter appeared within 60 s (is the README's `leadq worker` running?)"


def _free_port() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def test_readme_commands_are_extracted_with_their_line_numbers():
    commands = readme_commands((REPO / "README.md").read_text(encoding="utf-8"))
    first = commands[0]
    assert first.line == 4 and first.command.startswith(FIRST_COMMAND)
    assert expand("leadq dead show ID | requeue ID|--all [--queue Q] | purge [--yes]") == [
        ["leadq", "dead", "show", "ID"],
        ["leadq", "dead", "requeue", "ID"],
        ["leadq", "dead", "requeue", "--all"],
        ["leadq", "dead", "purge"],
    ]
    assert expand("leadq job list [--state S] [--json]", optional=True) == [
        ["leadq", "job", "list", "--state", "S", "--json"]
    ]


def test_a_line_leadq_refuses_or_cannot_fill_in_is_reported_with_its_line_and_reason(tmp_path):
    run = Run()
    for number, text in ((7, "leadq queue stats [--jsn]"), (8, "leadq job status THING")):
        check_line(ReadmeCommand(number, text, text), run, tmp_path)
    [bad_option, placeholder] = run.failures
    assert bad_option.startswith("README.md:7: `leadq queue stats [--jsn]`\n    ran: leadq queue stats --jsn")
    assert "No such option: --jsn" in bad_option
    assert placeholder.startswith("README.md:8: `leadq job status THING`")
    assert "no substitution for placeholder THING" in placeholder


@pytest.mark.redis
@pytest.mark.chromium
@pytest.mark.slow
@pytest.mark.timeout(420)
def test_every_readme_command_works(redis_url, monkeypatch, tmp_path):
    env = {
        "LEADQ_REDIS_URL": redis_url,
        "LEADQ_NAMESPACE": f"leadq-readme-{uuid.uuid4().hex[:8]}",
        "LEADQ_DATA_DIR": str(tmp_path / "data"),
        "LEADQ_SCRAPE_RATE_LIMIT": "500",  # the README's tip for the local demo
        "LEADQ_WORKER_PROCESSES": "1",
        "LEADQ_WORKER_THREADS": "4",
        "LEADQ_IDLE_WAKEUP_TIMEOUT": "1",
        "LEADQ_EMAIL_TEST_MODE": "true",
        "LEADQ_EMAIL_TEST_DIR": str(tmp_path / "outbox"),
        "LEADQ_EMAIL_FROM": "Sam <sam@agency.example>",
        "LEADQ_POSTAL_ADDRESS": "1 Main St, Springfield, IL 62701, USA",
        "LEADQ_UNSUBSCRIBE_SECRET": "readme-test-secret",
        "LEADQ_UNSUBSCRIBE_URL": "https://agency.example/unsubscribe",
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "COLUMNS": "200",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    run = Run()
    prepare(run, tmp_path)
    commands = readme_commands((REPO / "README.md").read_text(encoding="utf-8"))
    try:
        for command in commands:
            check_line(command, run, tmp_path)
            if command.command.startswith("leadq worker") and "job:ID" not in run.values and run.background:
                why = prepare_jobs(run)
                if why:
                    run.failures.append(f"{command.where}\n    preparing jobs for the lines after it: {why}")
    finally:
        for process in run.background:
            _stop(process)
        get_settings.cache_clear()
    assert not run.failures, "README commands that do not work:\n\n" + "\n\n".join(run.failures)
