"""`writer = "ai"` steps: a fact-checked AI body decided once, stored, and sent as stored."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from dramatiq.rate_limits.backends import StubBackend
from sqlalchemy import inspect
from sqlmodel import select

from leadq.ai.engine import ModelCall
from leadq.ai.limits import AiLimits
from leadq.campaign.ai_drafts import RULES_ENGINE, prepare_body
from leadq.campaign.models import Campaign, CampaignStep
from leadq.campaign.stats import step_status
from leadq.core.broker import setup_broker
from leadq.core.enqueue import send
from leadq.core.inline import run_until_idle
from leadq.db import ensure_schema, session_scope
from leadq.errors import Deferred
from leadq.mail.models import OutboundMessage
from tests.ai.chat_server import json_completion
from tests.campaign_factory import add_leads, deliver_now, due_rows, launched_campaign
from tests.mail_fixtures import mail_settings_for

MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
AI_STEP = '[[steps]]\ntemplate = "intro.toml"\nwriter = "ai"\n'
HONEST = (
    "Hi there,\n\nI had a look at your website and have a few ideas to make it quicker on a phone. "
    "Would a short call next week be useful?\n\nAda"
)
INVENTED = "Hi there,\n\nWe made 37 local sites twice as fast last year. Shall we talk?\n\nAda"


@pytest.fixture
def ai_mail_settings(mail_settings, chat):
    return mail_settings.model_copy(
        update={"ai_engine": "openai", "ai_base_url": chat.url, "ai_api_key": "sk-test", "ai_timeout": 2.0}
    )


def _answer(body: str):
    return json_completion({"subject": "Ideas for your website", "body": body})


def _send_all(settings, call: ModelCall) -> list[str]:
    """What the email actor does for every due row: decide the body, then deliver."""
    states = []
    for row_id in due_rows(settings, MONDAY_10):
        prepare_body(row_id, settings=settings, call=call, now=MONDAY_10)
        states.append(deliver_now(settings, row_id, MONDAY_10))
    return states


def _rows(settings) -> list[OutboundMessage]:
    with session_scope(settings) as session:
        return list(session.exec(select(OutboundMessage).order_by(OutboundMessage.id)))


def test_an_accepted_draft_is_stored_and_sent_with_the_templates_subject(
    ai_mail_settings, chat, smtp_server, tmp_path
):
    add_leads(ai_mail_settings, 1)
    campaign_id = launched_campaign(ai_mail_settings, tmp_path / "c", at=MONDAY_10, steps=AI_STEP)
    chat.answer = lambda request: _answer(HONEST)

    assert _send_all(ai_mail_settings, ModelCall(ai_mail_settings)) == ["sent"]

    (row,) = _rows(ai_mail_settings)
    assert (row.body_writer, row.ai_body, row.ai_rejected) == ("ai", HONEST, None)
    (received,) = smtp_server.to("owner0@shop0.example")
    message = received.message
    assert message["Subject"] == "A faster site for Plumber 0"  # never the model's subject
    text = message.get_body(("plain",)).get_content()
    assert text.replace("\r\n", "\n").startswith(HONEST)
    assert "I looked at" not in text  # not the template's body
    assert "Studio Ltd, 1 Main St" in text  # compliance footer still added
    with session_scope(ai_mail_settings) as session:
        (status,) = step_status(session.get(Campaign, campaign_id), session=session)
    assert (status["writer"], status["ai_written"], status["template_fallback"]) == ("ai", 1, 0)


def test_a_draft_with_an_invented_number_falls_back_to_the_template_and_logs_the_phrase(
    ai_mail_settings, chat, smtp_server, tmp_path, caplog
):
    add_leads(ai_mail_settings, 1)
    launched_campaign(ai_mail_settings, tmp_path / "c", at=MONDAY_10, steps=AI_STEP)
    chat.answer = lambda request: _answer(INVENTED)

    with caplog.at_level(logging.WARNING, logger="leadq.campaign.ai_drafts"):
        assert _send_all(ai_mail_settings, ModelCall(ai_mail_settings)) == ["sent"]

    (row,) = _rows(ai_mail_settings)
    assert row.body_writer == "template" and row.ai_body is None
    assert "number not in the record: '37'" in row.ai_rejected
    assert "'37'" in caplog.text and "the template is sent" in caplog.text
    text = smtp_server.to("owner0@shop0.example")[0].message.get_body(("plain",)).get_content()
    assert "I looked at https://shop0.example." in text and "37" not in text


def test_a_retry_sends_the_stored_text_without_asking_the_model_again(
    ai_mail_settings, chat, smtp_server, tmp_path
):
    smtp_server.refuse["owner0@shop0.example"] = "451 4.3.0 try again later"
    add_leads(ai_mail_settings, 1)
    launched_campaign(ai_mail_settings, tmp_path / "c", at=MONDAY_10, steps=AI_STEP)
    chat.answer = lambda request: _answer(HONEST)
    call = ModelCall(ai_mail_settings, refresh=True)  # no cache: a second ask would reach the server

    (row_id,) = due_rows(ai_mail_settings, MONDAY_10)
    assert prepare_body(row_id, settings=ai_mail_settings, call=call, now=MONDAY_10) == "ai"
    with pytest.raises(Exception, match="451"):
        deliver_now(ai_mail_settings, row_id, MONDAY_10)
    assert _rows(ai_mail_settings)[0].state == "failed"

    smtp_server.refuse.clear()
    chat.answer = lambda request: _answer("Hi there,\n\nA different text that must never be sent.\n\nAda")
    assert prepare_body(row_id, settings=ai_mail_settings, call=call, now=MONDAY_10) is None
    assert deliver_now(ai_mail_settings, row_id, MONDAY_10) == "sent"

    assert len(chat.requests) == 1
    text = smtp_server.to("owner0@shop0.example")[0].message.get_body(("plain",)).get_content()
    assert "a few ideas to make it quicker" in text


def test_over_the_ai_rate_the_message_is_deferred_undecided(ai_mail_settings, chat, smtp_server, tmp_path):
    settings = ai_mail_settings.model_copy(update={"ai_requests_per_minute": 1})
    add_leads(settings, 2)
    launched_campaign(settings, tmp_path / "c", at=MONDAY_10, steps=AI_STEP)
    chat.answer = lambda request: _answer(HONEST)
    limits = AiLimits(settings, StubBackend(), "test")
    call = ModelCall(settings, refresh=True, before_call=limits.before_call, after_call=limits.after_call)

    first, second = due_rows(settings, MONDAY_10)
    assert prepare_body(first, settings=settings, call=call, now=MONDAY_10) == "ai"
    with pytest.raises(Deferred, match="request limit"):
        prepare_body(second, settings=settings, call=call, now=MONDAY_10)

    assert [row.body_writer for row in _rows(settings)] == ["ai", None]
    assert len(chat.requests) == 1


def test_the_rules_engine_sends_the_template_and_says_why(mail_settings, smtp_server, tmp_path):
    add_leads(mail_settings, 1)
    launched_campaign(mail_settings, tmp_path / "c", at=MONDAY_10, steps=AI_STEP)

    assert _send_all(mail_settings, ModelCall(mail_settings)) == ["sent"]

    (row,) = _rows(mail_settings)
    assert (row.body_writer, row.ai_rejected) == ("template", RULES_ENGINE)
    text = smtp_server.to("owner0@shop0.example")[0].message.get_body(("plain",)).get_content()
    assert "I looked at https://shop0.example." in text


def test_a_template_step_is_not_drafted(ai_mail_settings, chat, smtp_server, tmp_path):
    add_leads(ai_mail_settings, 1)
    launched_campaign(ai_mail_settings, tmp_path / "c", at=MONDAY_10)

    assert _send_all(ai_mail_settings, ModelCall(ai_mail_settings)) == ["sent"]

    assert chat.requests == [] and _rows(ai_mail_settings)[0].body_writer is None


def test_the_migration_adds_exactly_the_models_writer_columns(settings) -> None:
    engine = ensure_schema(settings)
    for table in (CampaignStep.__table__, OutboundMessage.__table__):
        assert {c["name"] for c in inspect(engine).get_columns(table.name)} == set(table.columns.keys())


def test_the_email_actor_drafts_then_sends(tmp_path, smtp_server, chat):
    from leadq.actors.campaign import process_due_campaign_steps

    settings = mail_settings_for(
        tmp_path / "data", smtp_server.port, ai_engine="openai", ai_base_url=chat.url, ai_timeout=2.0
    )
    setup_broker(settings)
    chat.answer = lambda request: _answer(HONEST)
    add_leads(settings, 2)
    now = datetime.now(UTC)
    launched_campaign(settings, tmp_path / "c", at=now, hours="0, end = 24", steps=AI_STEP)

    send(process_due_campaign_steps)
    run_until_idle(timeout=30)

    assert [(row.state, row.body_writer) for row in _rows(settings)] == [("sent", "ai")] * 2
    for received in smtp_server.received:
        assert "a few ideas to make it quicker" in received.message.get_body(("plain",)).get_content()
    assert len(chat.requests) == 2  # one draft per lead
