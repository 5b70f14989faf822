"""The openai engine against a real local Chat Completions server: shapes, errors, repair, cache."""

from __future__ import annotations

import pytest
from sqlmodel import select

from leadq.ai import llm
from leadq.ai.calls import ask, cost_usd
from leadq.ai.models import AiCall
from leadq.ai.prompts import render
from leadq.ai.schemas import ClassifyAnswer
from leadq.db import session_scope
from leadq.errors import PermanentError, TransientError

from .chat_server import completion, error, json_completion

GOOD = {"category": "interested", "confidence": 0.9, "reason": "asks for a call"}


def _prompt(body: str = "Sounds great, call me Tuesday."):
    return render("classify", subject="Re: your website", sender="joe@example.com", body=body)


def _calls(settings) -> list[AiCall]:
    with session_scope(settings) as session:
        return list(session.exec(select(AiCall).order_by(AiCall.id)).all())


def test_a_schema_answer_is_validated_costed_and_cached(ai_settings, chat):
    chat.script(json_completion(GOOD, prompt_tokens=1000, completion_tokens=500))
    answer = ask(ai_settings, _prompt(), ClassifyAnswer)
    assert answer.category == "interested"
    sent = chat.requests[0]
    assert sent["model"] == "gpt-4o-mini"
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["schema"]["properties"]["category"]["enum"]
    # Same question again: from the cache, nothing sent, recorded as a free hit.
    assert ask(ai_settings, _prompt(), ClassifyAnswer) == answer
    assert len(chat.requests) == 1
    first, second = _calls(ai_settings)
    assert (first.cached, first.tokens_in, first.tokens_out) == (False, 1000, 500)
    assert first.cost_usd == pytest.approx((1000 * 0.15 + 500 * 0.60) / 1e6)
    assert first.latency_ms > 0
    assert (second.cached, second.tokens_in, second.cost_usd) == (True, 0, 0.0)


def test_refresh_asks_again_and_a_new_input_is_a_new_question(ai_settings, chat):
    chat.script(json_completion(GOOD), json_completion(GOOD), json_completion(GOOD))
    ask(ai_settings, _prompt(), ClassifyAnswer)
    ask(ai_settings, _prompt(), ClassifyAnswer, refresh=True)
    ask(ai_settings, _prompt("Please remove me from your list."), ClassifyAnswer)
    assert len(chat.requests) == 3


def test_429_is_transient_and_honours_retry_after(ai_settings, chat):
    chat.script(
        error(429, "Rate limit reached for gpt-4o-mini", kind="rate_limit_error", **{"Retry-After": "7"})
    )
    with pytest.raises(TransientError) as caught:
        ask(ai_settings, _prompt(), ClassifyAnswer)
    assert caught.value.retry_after == 7.0
    assert "Rate limit reached" in str(caught.value)
    assert len(chat.requests) == 1  # the SDK's own retries are off


def test_500_is_transient(ai_settings, chat):
    chat.script(error(500, "The server had an error while processing your request.", kind="server_error"))
    with pytest.raises(TransientError, match="HTTP 500"):
        ask(ai_settings, _prompt(), ClassifyAnswer)
    assert len(chat.requests) == 1


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (400, "Invalid value for 'model'"),
        (401, "Incorrect API key provided: sk-test"),
        (404, "The model does not exist"),
    ],
)
def test_client_errors_are_permanent_with_the_providers_message(ai_settings, chat, status, message):
    chat.script(error(status, message))
    with pytest.raises(PermanentError, match=f"HTTP {status}: {message}"):
        ask(ai_settings, _prompt(), ClassifyAnswer)


def test_a_slow_answer_past_the_timeout_is_transient(ai_settings, chat):
    slow = json_completion(GOOD)
    slow.delay = 1.5  # ai_settings waits 1 s
    chat.script(slow)
    with pytest.raises(TransientError, match="did not answer within 1 s"):
        ask(ai_settings, _prompt(), ClassifyAnswer)


def test_an_unreachable_server_is_transient(ai_settings, chat):
    settings = ai_settings.model_copy(update={"ai_base_url": "http://127.0.0.1:9/v1"})
    with pytest.raises(TransientError, match="cannot reach model server"):
        ask(settings, _prompt(), ClassifyAnswer)


def test_invalid_json_gets_one_repair_and_both_calls_are_paid(ai_settings, chat):
    chat.script(completion('{"category": "interested", "confidence": 0.9,'), json_completion(GOOD))
    assert ask(ai_settings, _prompt(), ClassifyAnswer).category == "interested"
    repair = chat.requests[1]["messages"]
    assert repair[-2]["role"] == "assistant"
    assert "not JSON" in repair[-1]["content"]
    (call,) = _calls(ai_settings)
    assert call.tokens_in == 240


def test_prose_twice_is_a_permanent_error_and_still_recorded(ai_settings, chat):
    prose = "Sure! This reply sounds interested: they want a call."
    chat.script(completion(prose), completion(prose))
    with pytest.raises(llm.InvalidOutput, match="not JSON"):
        ask(ai_settings, _prompt(), ClassifyAnswer)
    (call,) = _calls(ai_settings)
    assert (call.tokens_in, call.tokens_out) == (240, 80)
    # Nothing invalid is cached: the next ask calls the model again.
    chat.script(json_completion(GOOD))
    assert ask(ai_settings, _prompt(), ClassifyAnswer).category == "interested"


def test_a_wrong_field_twice_names_the_field(ai_settings, chat):
    wrong = {**GOOD, "category": "maybe"}
    chat.script(json_completion(wrong), json_completion(wrong))
    with pytest.raises(llm.InvalidOutput, match="field 'category'"):
        ask(ai_settings, _prompt(), ClassifyAnswer)


def test_an_answer_cut_at_the_token_limit_is_invalid(ai_settings, chat):
    cut = completion('{"category": "inter', finish_reason="length")
    chat.script(cut, completion('{"category": "inter', finish_reason="length"))
    with pytest.raises(llm.InvalidOutput, match="token limit"):
        ask(ai_settings, _prompt(), ClassifyAnswer)


def test_a_server_without_schema_support_gets_json_mode(ai_settings, chat):
    chat.script(
        error(400, "response_format json_schema is not supported by this model"),
        json_completion(GOOD),
        json_completion(GOOD),
    )
    ask(ai_settings, _prompt(), ClassifyAnswer)
    assert [r["response_format"]["type"] for r in chat.requests] == ["json_schema", "json_object"]
    ask(ai_settings, _prompt("another reply"), ClassifyAnswer)
    assert chat.requests[-1]["response_format"]["type"] == "json_object"  # remembered


def test_cost_uses_the_price_table_and_unlisted_models_are_free(ai_settings):
    assert cost_usd(ai_settings, "gpt-4o", 1_000_000, 0) == pytest.approx(2.5)
    assert cost_usd(ai_settings, "llama3.1:8b", 1_000_000, 1_000_000) == 0.0


def test_list_models(ai_settings, chat):
    assert llm.list_models(ai_settings) == ["gpt-4o-mini"]
