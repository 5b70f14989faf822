"""`ai extract|classify|write|draft-reply` as jobs on the ``ai`` queue: a real worker on real
Redis answers them, `ai result JOB` reads the answer later, and over a limit they wait."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.ai.models import AiResult
from leadq.ai.results import load_result, store_result
from leadq.clock import utcnow
from leadq.core.broker import setup_broker
from leadq.core.enqueue import send
from leadq.core.inline import run_until_idle
from leadq.core.jobs import get_job
from leadq.db import session_scope
from leadq.errors import UserError
from tests.core.conftest import WorkerProcess, worker_env

from .chat_server import json_completion
from .test_extract_classify import AWAY, POSTING
from .test_limits import _start_of_a_minute
from .test_score import add_leads

runner = CliRunner()


@pytest.mark.redis
@pytest.mark.slow
def test_a_worker_answers_and_the_answer_is_read_afterwards(redis_settings, env, tmp_path):
    settings = redis_settings.model_copy(update={"data_dir": tmp_path / "data"})
    env(LEADQ_BROKER="redis", LEADQ_REDIS_URL=settings.redis_url, LEADQ_NAMESPACE=settings.namespace)
    enqueued = runner.invoke(app, ["ai", "extract", "-"], input=POSTING)
    assert enqueued.exit_code == 0, enqueued.output
    job_id = re.search(r"enqueued job (\S+);", enqueued.stdout).group(1)
    assert f"then `leadq ai result {job_id}`" in enqueued.stdout
    waiting = runner.invoke(app, ["ai", "result", job_id])
    assert waiting.exit_code == 1 and f"job {job_id} has no answer (enqueued)" in waiting.stderr

    env_vars = worker_env(settings, LEADQ_ACTOR_MODULES="[]", LEADQ_EMAIL_FROM="Ada <ada@studio.example>")
    worker = WorkerProcess(settings, tmp_path / "worker.log", ["--queues", "ai", "--threads", "2"], env_vars)
    try:
        worker.wait_ready(1)
        deadline = time.monotonic() + 60
        while (answer := runner.invoke(app, ["ai", "result", job_id, "--json"])).exit_code:
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.2)
        assert json.loads(answer.stdout)["phone"] == "+14155550134"
        waited = runner.invoke(app, ["ai", "classify", "-", "--wait", "--json"], input=AWAY)
        assert waited.exit_code == 0, waited.output
        assert json.loads(waited.stdout)["category"] == "out_of_office"
        failed = runner.invoke(app, ["ai", "write", "--lead", "999", "--wait"])
        assert failed.exit_code == 1 and "no lead with id 999" in failed.stderr
        assert "Traceback" not in failed.output
    finally:
        worker.stop()


def test_each_answering_actor_waits_over_the_rate_limit_without_spending_a_retry(settings, chat):
    ids = add_leads(settings)
    limited = settings.model_copy(
        update={
            "ai_engine": "openai",
            "ai_base_url": chat.url,
            "ai_timeout": 2.0,
            "ai_requests_per_minute": 1,
            "email_from": "Ada <ada@studio.example>",
        }
    )
    setup_broker(limited, inline=True)
    from leadq.actors.ai import (
        extract_lead_info,
        generate_ai_response,
        generate_email_content,
        process_conversation,
    )

    # The three deferred jobs wait for the next minute, at least 25 s away: 10 s is enough for
    # the first to answer on a loaded machine, and too little for the others to run.
    _start_of_a_minute(room=25)
    chat.script(json_completion({"category": "question", "confidence": 0.9, "reason": "asks a price"}))
    jobs = [
        send(process_conversation, "How much is a new site?"),
        send(extract_lead_info, POSTING),
        send(generate_email_content, ids["old"]),
        send(generate_ai_response, text="How much is a new site?"),
    ]
    with pytest.raises(UserError, match="still running"):
        run_until_idle(timeout=10)
    states = [get_job(limited, job) for job in jobs]
    assert [job.state for job in states].count("succeeded") == 1
    assert all(job.attempt == 1 for job in states if job.state != "succeeded")
    assert len(chat.requests) == 1


def test_answers_are_pruned_with_the_job_history(settings):
    setup_broker(settings)
    from leadq.actors.maintenance import cleanup_job_history

    store_result(settings, "old-job", "extract", {"phone": None})
    store_result(settings, "new-job", "extract", {"phone": "+14155550134"})
    with session_scope(settings) as session:
        session.get(AiResult, "old-job").created_at = utcnow() - timedelta(days=31)
    cleanup_job_history.fn()
    assert load_result(settings, "old-job") is None
    assert load_result(settings, "new-job").output == {"phone": "+14155550134"}


def test_missing_settings_or_an_unknown_campaign_fail_at_once_in_one_line(cli_env, monkeypatch):
    monkeypatch.delenv("LEADQ_EMAIL_FROM", raising=False)
    ids = add_leads(cli_env)
    started = time.monotonic()
    result = runner.invoke(app, ["ai", "draft-reply", "-"], input="Sounds good, call me.")
    assert result.exit_code == 1 and "LEADQ_EMAIL_FROM is not set" in result.stderr
    unknown = runner.invoke(app, ["ai", "write", "--lead", str(ids["old"]), "--campaign", "Nope"])
    assert unknown.exit_code == 1 and "Nope" in unknown.stderr and "Traceback" not in unknown.output
    assert time.monotonic() - started < 20  # no retries with backoff
