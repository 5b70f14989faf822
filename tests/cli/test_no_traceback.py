"""Malformed input never prints a traceback: one line, exit 2 for usage, 1 for failures.

The table holds each case an adversarial run found printing a traceback
(issue 11); the property test throws generated arguments and LEADQ_* values
at the commands that need no network and checks the same promise.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.settings import get_settings

runner = CliRunner()
HUGE = str(2**64)


def invoke(args: list[str], env: dict[str, str], data_dir: Path):
    get_settings.cache_clear()
    try:
        return runner.invoke(app, args, env={"LEADQ_DATA_DIR": str(data_dir), **env})
    finally:
        get_settings.cache_clear()


def assert_one_clean_line(result, args) -> None:
    """No traceback, no catch-all "internal error", and the error is a single line."""
    assert "Traceback" not in result.output, (args, result.output)
    assert "internal error" not in result.output, (args, result.output)
    # CliRunner keeps an exception that escaped the command instead of printing it.
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    if errors:  # one error line; only `warning:` lines (unknown LEADQ_* variables) besides it
        others = [line for line in result.stderr.strip().splitlines() if not line.startswith("warning:")]
        assert others == errors and len(errors) == 1, (args, result.stderr)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "leadq.db").write_bytes(b"this is not an SQLite database " * 200)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    wrong_shape = tmp_path / "wrong-shape.json"
    wrong_shape.write_text(json.dumps({"lighthouseResult": {"audits": {"a": 1}, "categories": []}}))
    not_report = tmp_path / "list.json"
    not_report.write_text("[1, 2]")
    return {
        "corrupt": corrupt,
        "file": a_file,
        "dir": tmp_path,
        "wrong_shape": wrong_shape,
        "not_report": not_report,
    }


@pytest.fixture
def busy_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


#: (case, args, env, expected exit code, text the one line contains). "{x}" are replaced from `files`.
CASES = [
    ("corrupt SQLite file", ["job", "list"], {"LEADQ_DATA_DIR": "{corrupt}"}, 1, "file is not a database"),
    ("corrupt SQLite file", ["leads", "list"], {"LEADQ_DATA_DIR": "{corrupt}"}, 1, "file is not a database"),
    ("integer above 2^63", ["leads", "show", HUGE], {}, 2, "out of range"),
    ("integer above 2^63", ["job", "list", "--limit", HUGE], {}, 2, "out of range"),
    ("integer above 2^63", ["campaign", "show", HUGE], {}, 2, "out of range"),
    ("invalid LEADQ_* value", ["job", "list"], {"LEADQ_WORKER_THREADS": "many"}, 1, "LEADQ_WORKER_THREADS"),
    ("invalid LEADQ_* value", ["job", "list"], {"LEADQ_ACTOR_MODULES": "x,y"}, 1, "expected a JSON list"),
    ("invalid LEADQ_* value", ["job", "list"], {"LEADQ_BROKER": "rabbitmq"}, 1, "'auto', 'redis' or"),
    ("directory for a file", ["leads", "export", "--out", "{dir}"], {}, 1, "Is a directory"),
    ("directory for a file", ["pagespeed", "parse", "{dir}"], {}, 1, "Is a directory"),
    ("directory for a file", ["suppress", "import", "{dir}"], {}, 1, "Is a directory"),
    ("directory for a file", ["campaign", "create", "{dir}"], {}, 1, "Is a directory"),
    ("bad port in a URL", ["queue", "stats"], {"LEADQ_REDIS_URL": "redis://127.0.0.1:99999/0"}, 1, "Port"),
    ("bad port in a URL", ["job", "list"], {"LEADQ_DATABASE_URL": "postgresql://u@h:99999/d"}, 1, "Port"),
    ("bad port in a URL", ["pagespeed", "audit", "http://example.com:99999/"], {}, 1, "Port out of range"),
    ("bad IPv6 literal", ["queue", "stats"], {"LEADQ_REDIS_URL": "redis://[::1/0"}, 1, "Invalid IPv6 URL"),
    ("bad IPv6 literal", ["pagespeed", "audit", "http://[::1"], {}, 1, "Invalid IPv6 URL"),
    ("malformed Redis URL", ["queue", "stats"], {"LEADQ_REDIS_URL": "localhost:6379"}, 1, "LEADQ_REDIS_URL"),
    (
        "missing actor module",
        ["worker"],
        {"LEADQ_REDIS_URL": "redis://127.0.0.1:1/0", "LEADQ_ACTOR_MODULES": '["no_such_actor_module"]'},
        1,
        "no_such_actor_module",
    ),
    ("data dir is a file", ["job", "list"], {"LEADQ_DATA_DIR": "{file}"}, 1, "expected a directory"),
    (
        "Postgres on a closed port",
        ["job", "list"],
        {"LEADQ_DATABASE_URL": "postgresql+psycopg://leadq@127.0.0.1:1/leadq"},
        1,
        "Connection refused",
    ),
    ("PageSpeed JSON of the wrong shape", ["pagespeed", "parse", "{wrong_shape}"], {}, 1, "expected shape"),
    ("PageSpeed JSON of the wrong shape", ["pagespeed", "parse", "{not_report}"], {}, 1, "JSON object"),
    ("control characters in input", ["pagespeed", "parse", "a\x85b\x1b[31m"], {}, 1, "a\\x85b\\x1b[31m"),
    ("unwritable export path", ["leads", "export", "--out", "{file}/leads.csv"], {}, 1, "Not a directory"),
]


@pytest.mark.parametrize(("case", "args", "env", "code", "message"), CASES, ids=[c[0] for c in CASES])
def test_each_input_that_printed_a_traceback_is_now_one_line(tmp_path, files, case, args, env, code, message):
    args = [a.format(**files) for a in args]
    env = {k: v.format(**files) for k, v in env.items()}
    result = invoke(args, env, tmp_path / "data")
    assert_one_clean_line(result, args)
    assert result.exit_code == code, (case, args, result.output)
    assert message in result.stderr, (case, args, result.stderr)


def test_unsubscribe_server_that_cannot_bind_says_so_in_one_line(tmp_path, busy_port):
    env = {"LEADQ_UNSUBSCRIBE_SECRET": "s" * 32, "LEADQ_UNSUBSCRIBE_URL": "https://example.invalid/u"}
    args = ["unsubscribe", "serve", "--host", "127.0.0.1", "--port", str(busy_port)]
    result = invoke(args, env, tmp_path / "data")
    assert_one_clean_line(result, args)
    assert result.exit_code == 1
    assert "in use" in result.stderr


# Commands that need no network and never block: what the property test may run.
COMMANDS = [
    ["job", "list"],
    ["job", "status"],
    ["job", "cancel"],
    ["dead", "list"],
    ["dead", "show"],
    ["dead", "purge", "--older-than"],
    ["queue", "purge"],
    ["leads", "list"],
    ["leads", "show"],
    ["leads", "list", "--since"],
    ["leads", "list", "--limit"],
    ["job", "list", "--limit"],
    ["suppress", "list"],
    ["suppress", "remove"],
    ["campaign", "show"],
    ["campaign", "list"],
    ["audits", "list"],
    ["config", "show"],
    ["pagespeed", "parse"],
    ["schedule", "list"],
]
#: Settings whose bad values the property test tries (network endpoints point at loopback port 1).
ENV_NAMES = [
    "LEADQ_BROKER",
    "LEADQ_NAMESPACE",
    "LEADQ_WORKER_THREADS",
    "LEADQ_HEARTBEAT_TIMEOUT",
    "LEADQ_ACTOR_MODULES",
    "LEADQ_LOG_LEVEL",
    "LEADQ_ALLOW_PRIVATE_URLS",
    "LEADQ_DEAD_LETTER_TTL",
    "LEADQ_PSI_CATEGORIES",
    "LEADQ_SCHEDULE_TIMEZONE",
    "LEADQ_REDIS_ULR",
]
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from([2**63, 2**64, -(2**63) - 1])
).map(str)
urls = st.builds(
    lambda scheme, port, tail: f"{scheme}://127.0.0.1:{port}{tail}",
    st.sampled_from(["redis", "rediss", "postgresql", "sqlite", "http", "", "x"]),
    # Never a port something may listen on: a Redis client talking to another service can hang.
    st.one_of(st.just("1"), st.integers(-5, 0).map(str), st.integers(65536, 10**6).map(str), text),
    text,
)
words = st.one_of(
    text, numbers, st.sampled_from(["-h", "--", "-", "--json", "--all", "[/]", "0", "1d", "x" * 300])
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    command=st.sampled_from(COMMANDS),
    value=st.one_of(numbers, text, urls),
    extra=st.lists(words, max_size=2),
    env=st.dictionaries(
        st.one_of(st.sampled_from(ENV_NAMES), st.sampled_from(["LEADQ_REDIS_URL", "LEADQ_DATABASE_URL"])),
        st.one_of(text, numbers, urls),
        max_size=2,
    ),
)
def test_no_generated_argument_or_setting_prints_a_traceback(tmp_path_factory, command, value, extra, env):
    # Each example gets fresh storage: one example's writes must not hide another's error.
    data_dir = tmp_path_factory.mktemp("fuzz") / "data"
    args = [*command, value, *extra]
    result = invoke(args, env, data_dir)
    assert_one_clean_line(result, args)
    assert result.exit_code in (0, 1, 2), (args, env, result.output)
