"""The work-management commands, as a person at the terminal runs them."""

from __future__ import annotations

import json

import pytest
from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.settings import get_settings

runner = CliRunner()


def test_config_show_masks_secrets(env):
    env(
        LEADQ_REDIS_URL="redis://:hunter2@127.0.0.1:6379/0",
        LEADQ_DATABASE_URL="postgresql://leadq:s3cret@db/leadq",
        LEADQ_SENTRY_DSN="https://key@sentry.example/1",
    )
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["redis_url"]["value"] == "redis://:****@127.0.0.1:6379/0"
    assert shown["database_url"]["value"] == "postgresql://leadq:****@db/leadq"
    assert shown["sentry_dsn"]["value"] == "****"
    assert "hunter2" not in result.stdout and "s3cret" not in result.stdout


def test_redis_commands_say_which_url_failed_in_one_line(env):
    env(LEADQ_REDIS_URL="redis://127.0.0.1:1/0")
    for args in (["queue", "stats"], ["dead", "list"], ["worker"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, args
        assert "cannot reach Redis at redis://127.0.0.1:1/0" in result.stderr
        assert "--inline" in result.stderr
        assert "Traceback" not in result.output


def test_queue_commands_in_embedded_mode_explain_how_to_use_redis(env):
    env()
    result = runner.invoke(app, ["queue", "stats"])
    assert result.exit_code == 1
    assert "embedded mode" in result.stderr and "LEADQ_REDIS_URL" in result.stderr


def test_bad_input_gets_a_one_line_error_exit_2_for_usage_1_for_failures(env):
    env()
    cases = [
        (["job", "list", "--since", "yesterday"], "cannot read duration"),
        (["job", "list", "--state", "exploded"], "unknown state"),
        (["job", "status", "no-such-job"], "no job with id"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == (1 if args[1] == "status" else 2), args
        assert message in result.stderr
        assert "Traceback" not in result.output


@pytest.mark.redis
def test_queue_stats_and_purge_on_redis(env, redis_url):
    env(LEADQ_REDIS_URL=redis_url, LEADQ_NAMESPACE="leadq-cli-test")
    from leadq.core.broker import setup_broker
    from leadq.core.enqueue import send_many

    setup_broker(get_settings())
    from leadq.actors.maintenance import cleanup_job_history

    ids = send_many(cleanup_job_history, [(30,), (31,)])
    stats = json.loads(runner.invoke(app, ["queue", "stats", "--json"]).stdout)
    assert {"queue": "maintenance", "ready": 2, "delayed": 0, "in_flight": 0, "dead": 0} in stats["queues"]

    result = runner.invoke(app, ["queue", "purge", "maintenance", "--dry-run"])
    assert "2 message(s) would be purged" in result.stdout
    result = runner.invoke(app, ["queue", "purge", "maintenance"], input="n\n")
    assert result.exit_code == 1
    result = runner.invoke(app, ["queue", "purge", "maintenance", "--yes"])
    assert "purged 2 message(s)" in result.stdout

    listed = json.loads(runner.invoke(app, ["job", "list", "--json"]).stdout)
    assert {j["id"]: j["state"] for j in listed} == dict.fromkeys(ids, "cancelled")
    status = json.loads(runner.invoke(app, ["job", "status", ids[0][:8], "--json"]).stdout)
    assert [e["state"] for e in status["events"]] == ["enqueued", "cancelled"]


@pytest.mark.redis
def test_doctor_reports_each_check(env, redis_url):
    env(LEADQ_REDIS_URL=redis_url)
    result = runner.invoke(app, ["doctor", "--json"])
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert checks["redis"]["status"] == "ok" and "noeviction" in checks["redis"]["detail"]
    assert checks["database"]["status"] in ("ok", "warn")
    assert result.exit_code == (1 if any(c["status"] == "fail" for c in checks.values()) else 0)


def test_doctor_warns_about_the_placeholder_user_agent_until_it_is_set(env):
    env()
    checks = {c["name"]: c for c in json.loads(runner.invoke(app, ["doctor", "--json"]).stdout)}
    assert checks["user-agent"]["status"] == "warn" and "LEADQ_USER_AGENT" in checks["user-agent"]["detail"]
    env(LEADQ_USER_AGENT="leadq/0.1 (+mailto:ops@greenleaf-studio.com)")
    checks = {c["name"]: c for c in json.loads(runner.invoke(app, ["doctor", "--json"]).stdout)}
    agent = checks["user-agent"]
    assert (agent["status"], agent["detail"]) == ("ok", "contact: greenleaf-studio.com")
