"""`leadq email preview` of a `writer = "ai"` step shows what would be sent: the AI draft (asked
through the answer cache, which the send then reuses) or the template with the reason why."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from leadq.cli.app import app
from sqlmodel import select
from typer.testing import CliRunner

from leadq.ai.engine import ModelCall
from leadq.campaign.ai_drafts import prepare_body
from leadq.campaign.service import find_campaign, launch_campaign
from leadq.db import session_scope
from leadq.mail.models import OutboundMessage
from leadq.settings import get_settings
from tests.ai.chat_server import error, json_completion
from tests.campaign_factory import add_leads, due_rows, write_campaign

from .test_ai_writer import AI_STEP, HONEST, INVENTED

runner = CliRunner()


@pytest.fixture
def env(monkeypatch, tmp_path):
    """The CLI's settings: embedded broker, a sender and unsubscribe settings; ``env(**more)``."""

    def apply(**values: str) -> None:
        base = {
            "LEADQ_DATA_DIR": str(tmp_path / "data"),
            "LEADQ_BROKER": "embedded",
            "LEADQ_EMAIL_FROM": "Ada at Studio <ada@studio.example>",
            "LEADQ_POSTAL_ADDRESS": "Studio Ltd, 1 Main St, Springfield",
            "LEADQ_UNSUBSCRIBE_URL": "https://s.example/u",
            "LEADQ_UNSUBSCRIBE_SECRET": "cli-secret",
            "LEADQ_SMTP_HOST": "127.0.0.1",  # for launching: nothing here sends
        }
        for name, value in {**base, **values}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    apply()
    yield apply
    get_settings.cache_clear()


@pytest.fixture
def ai_campaign(env, tmp_path):
    add_leads(get_settings(), 1)
    path = write_campaign(tmp_path / "c", steps=AI_STEP, hours="0, end = 24")
    assert runner.invoke(app, ["campaign", "create", str(path)]).exit_code == 0


def preview(*more: str):
    return runner.invoke(app, ["email", "preview", "--campaign", "Plumbers", "--lead", "1", *more])


def test_an_accepted_draft_is_what_the_preview_shows_and_what_the_send_reuses(env, ai_campaign, chat):
    env(LEADQ_AI_ENGINE="openai", LEADQ_AI_BASE_URL=chat.url)
    chat.answer = lambda request: json_completion({"subject": "Ideas", "body": HONEST})
    result = preview("--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["writer"], shown["note"]) == ("ai", None)
    assert shown["body"].replace("\r\n", "\n").startswith(HONEST) and "I looked at" not in shown["body"]
    assert shown["headers"]["Subject"] == "A faster site for Plumber 0"  # the template's, never the model's
    assert HONEST.splitlines()[2] in preview().stdout
    assert len(chat.requests) == 1  # the second preview came from the cache

    settings = get_settings()
    now = datetime.now(UTC)
    with session_scope(settings) as session:
        campaign = find_campaign("Plumbers", session=session)
        launch_campaign(campaign, settings=settings, at=now, now=now, session=session)
    (row_id,) = due_rows(settings, now)
    assert prepare_body(row_id, settings=settings, call=ModelCall(settings), now=now) == "ai"
    with session_scope(settings) as session:
        assert session.exec(select(OutboundMessage.ai_body)).one() == HONEST
    assert len(chat.requests) == 1  # the send drafted nothing new: same prompt, same cached answer


def test_the_template_is_shown_with_why_when_the_guard_rejects_or_no_model_writes(env, ai_campaign, chat):
    rules = preview("--json")
    assert rules.exit_code == 0, rules.output
    data = json.loads(rules.stdout)
    assert data["writer"] == "template" and "LEADQ_AI_ENGINE=rules" in data["note"]
    assert "I looked at https://shop0.example." in data["body"]
    assert "the step's template, not an AI draft: LEADQ_AI_ENGINE=rules" in preview().stderr

    env(LEADQ_AI_ENGINE="openai", LEADQ_AI_BASE_URL=chat.url)
    chat.answer = lambda request: error(503, "overloaded", kind="server_error")
    down = preview("--json")
    assert down.exit_code == 0, down.output
    unavailable = json.loads(down.stdout)
    assert unavailable["writer"] == "template" and "AI unavailable now" in unavailable["note"]

    chat.answer = lambda request: json_completion({"subject": "Ideas", "body": INVENTED})
    rejected = json.loads(preview("--json").stdout)
    assert rejected["writer"] == "template" and "number not in the record: '37'" in rejected["note"]
    assert "37" not in rejected["body"] and "I looked at" in rejected["body"]
