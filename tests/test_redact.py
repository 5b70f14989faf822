"""No secret from a setting reaches the terminal or the log.

The URL masking itself, then every CLI error path a wrong setting leads to
(unreachable Redis, unreachable Postgres, a refused SMTP login, doctor), run
as a user runs them with a planted secret, and the log of a worker.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from aiosmtpd.smtp import AuthResult
from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.redact import mask_url
from tests.mail_fixtures import free_port, serving

SECRET = "S3cretPlanted"
runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("redis://:S3cret@127.0.0.1:1/0", "redis://:****@127.0.0.1:1/0"),
        ("rediss://leadq:S3cret@redis.example:6380/2", "rediss://leadq:****@redis.example:6380/2"),
        ("redis://S3cret@127.0.0.1/0", "redis://****@127.0.0.1/0"),
        ("postgresql+psycopg://u:pa/ss@db:5432/leadq", "postgresql+psycopg://u:****@db:5432/leadq"),
        ("redis://:p@ss@127.0.0.1/0", "redis://:****@127.0.0.1/0"),
        ("https://psi.example/run?url=x&key=S3cret", "https://psi.example/run?url=x&key=****"),
        (
            "postgresql://db/leadq?password=S3cret&sslmode=require",
            "postgresql://db/leadq?password=****&sslmode=require",
        ),
        (
            "cannot reach Redis at redis://:S3cret@h:1/0 (refused)",
            "cannot reach Redis at redis://:****@h:1/0 (refused)",
        ),
        (
            "https://example.com/@bob and https://a.example/x",
            "https://example.com/@bob and https://a.example/x",
        ),
        ("sqlite:////var/lib/leadq/leadq.db", "sqlite:////var/lib/leadq/leadq.db"),
        ("redis://[::1:6379/0 is malformed", "redis://[::1:6379/0 is malformed"),
    ],
)
def test_mask_url_hides_passwords_and_secret_parameters_and_keeps_the_rest(text, shown):
    assert mask_url(text) == shown


def assert_secret_never_shown(args: list[str], *, exit_code: int) -> str:
    result = runner.invoke(app, args)
    shown = result.output + ("" if isinstance(result.exception, SystemExit) else repr(result.exception))
    assert SECRET not in shown, (args, shown)
    assert result.exit_code == exit_code, (args, shown)
    return shown


def test_an_unreachable_redis_is_reported_without_its_password(env):
    env(LEADQ_REDIS_URL=f"redis://:{SECRET}@127.0.0.1:{free_port()}/0")
    for args in (["queue", "stats"], ["dead", "list"], ["job", "cancel", "abcdef123"], ["worker"]):
        shown = assert_secret_never_shown(args, exit_code=1)
        assert "cannot reach Redis at redis://:****@127.0.0.1" in shown
    doctor = assert_secret_never_shown(["doctor"], exit_code=1)
    assert "redis://:****@127.0.0.1" in doctor
    config = assert_secret_never_shown(["config", "show", "--json"], exit_code=0)
    assert "redis://:****@127.0.0.1" in config


def test_an_unreachable_postgres_is_reported_without_its_password(env):
    pytest.importorskip("psycopg")
    env(LEADQ_DATABASE_URL=f"postgresql+psycopg://leadq:{SECRET}@127.0.0.1:{free_port()}/leadq")
    for args in (["db", "upgrade"], ["leads", "list"], ["config", "show"]):
        assert_secret_never_shown(args, exit_code=1 if args[0] != "config" else 0)
    doctor = assert_secret_never_shown(["doctor", "--json"], exit_code=1)
    assert "postgresql+psycopg://leadq:****@127.0.0.1" in doctor


class _RefuseEveryone:
    def __call__(self, server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refused_smtp_login_is_reported_without_the_password(env):
    with serving(authenticator=_RefuseEveryone(), auth_require_tls=False, auth_required=True) as handler:
        env(
            LEADQ_SMTP_HOST="127.0.0.1",
            LEADQ_SMTP_PORT=str(handler.port),
            LEADQ_SMTP_TLS="none",
            LEADQ_SMTP_USER="ada",
            LEADQ_SMTP_PASSWORD=SECRET,
            LEADQ_EMAIL_FROM="Ada <ada@studio.example>",
            LEADQ_POSTAL_ADDRESS="Studio Ltd, 1 Main St, Springfield",
            LEADQ_UNSUBSCRIBE_URL="https://studio.example/unsubscribe",
            LEADQ_UNSUBSCRIBE_SECRET=SECRET,
        )
        shown = assert_secret_never_shown(["email", "test", "--to", "bob@example.com"], exit_code=1)
        assert "SMTP login refused" in shown
        doctor = assert_secret_never_shown(["doctor"], exit_code=1)
        assert "SMTP login refused" in doctor
        assert_secret_never_shown(["config", "show"], exit_code=0)


def test_a_worker_started_against_an_unreachable_redis_logs_no_password(tmp_path):
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LEADQ_")}
    environ |= {
        "LEADQ_REDIS_URL": f"redis://:{SECRET}@127.0.0.1:{free_port()}/0",
        "LEADQ_DATA_DIR": str(tmp_path / "data"),
        "LEADQ_LOG_LEVEL": "DEBUG",
    }
    done = subprocess.run(
        [sys.executable, "-m", "leadq", "--verbose", "worker", "-p", "1", "-t", "1"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert "cannot reach Redis at redis://:****@127.0.0.1" in done.stderr
