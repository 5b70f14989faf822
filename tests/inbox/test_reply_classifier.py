"""A person's reply goes to the AI engine's classifier when it is a model; the rules decide otherwise.

The model is the local Chat Completions server (tests/ai/chat_server.py); each row says which
classifier decided, and why the rules did when the model could not answer.
"""

from __future__ import annotations

from sqlmodel import select

from leadq.core.broker import setup_broker
from leadq.db import session_scope
from leadq.inbox.imap import poll_once
from leadq.inbox.models import InboundMessage
from leadq.mail.suppression import is_suppressed
from tests.ai.chat_server import error, json_completion
from tests.inbox import samples


def with_model(settings, chat, **overrides):
    model = settings.model_copy(
        update={"ai_engine": "openai", "ai_base_url": chat.url, "ai_api_key": "sk-test", "ai_timeout": 2.0}
        | overrides
    )
    setup_broker(model)
    from leadq.actors.ai import model_call

    return model, model_call()


def rows(settings) -> list[InboundMessage]:
    with session_scope(settings) as session:
        return list(session.exec(select(InboundMessage).order_by(InboundMessage.id)))


def test_the_model_reads_a_persons_reply_and_the_row_says_so(outreach, imap_folder, chat):
    settings, sent = outreach
    settings, call = with_model(settings, chat)
    chat.script(
        json_completion({"category": "question", "confidence": 0.8, "reason": "asks what it would cost"}),
        json_completion({"category": "unsubscribe", "confidence": 0.9, "reason": "wants no more mail"}),
    )
    imap_folder.deliver(
        samples.reply(sender="owner0@shop0.example", in_reply_to=None, text="Hmm, what would that run me"),
        samples.reply(sender="owner1@shop1.example", in_reply_to=None, text="Please leave us be, thanks."),
        samples.dsn(recipient="owner2@shop2.example"),  # a bounce: never sent to the model
    )

    result = poll_once(settings, model_call=call)

    assert dict(result.kinds) == {"reply": 1, "unsubscribe": 1, "bounce": 1}
    question, opt_out, bounce = rows(settings)
    assert (question.kind, question.detail, question.classifier) == ("reply", "question", "openai")
    assert question.reason == "question (0.80): asks what it would cost"
    assert (opt_out.kind, opt_out.classifier) == ("unsubscribe", "openai")
    assert (bounce.kind, bounce.classifier) == ("bounce", "rules")
    assert len(chat.requests) == 2
    assert "Hmm, what would that run me" in chat.requests[0]["messages"][1]["content"]
    with session_scope(settings) as session:
        assert is_suppressed("owner1@shop1.example", session=session)


def test_the_rules_decide_when_the_model_fails_or_the_budget_is_spent(outreach, imap_folder, chat):
    settings, _ = outreach
    # The first answer costs more than the whole day's budget: the next call is over it.
    settings, call = with_model(
        settings, chat, ai_daily_budget_usd=0.000001, ai_prices={"gpt-4o-mini": (1.0, 1.0)}
    )
    chat.script(
        error(503, "overloaded", kind="server_error"),
        json_completion({"category": "interested", "confidence": 0.9, "reason": "wants a call"}),
    )
    for i, text in enumerate(("Yes, call me.", "Sounds good, let's talk.", "We are all set, thanks.")):
        imap_folder.deliver(samples.reply(sender=f"owner{i}@shop{i}.example", in_reply_to=None, text=text))
        poll_once(settings, model_call=call)

    failed, answered, over_budget = rows(settings)
    assert (failed.detail, failed.classifier) == ("interested", "rules")
    assert failed.reason.startswith("model unavailable, rules decided: model server")
    assert "HTTP 503" in failed.reason
    assert (answered.detail, answered.classifier) == ("interested", "openai")
    assert (over_budget.detail, over_budget.classifier) == ("not-interested", "rules")
    assert "AI daily budget of $1e-06 is spent" in over_budget.reason
    assert len(chat.requests) == 2


def test_with_the_rules_engine_no_model_is_asked(outreach, imap_folder, chat):
    settings, _ = outreach
    settings = settings.model_copy(update={"ai_base_url": chat.url})
    setup_broker(settings)
    from leadq.actors.ai import model_call

    imap_folder.deliver(samples.reply(sender="owner0@shop0.example", in_reply_to=None, text="How much?"))
    poll_once(settings, model_call=model_call())
    [row] = rows(settings)
    assert (row.detail, row.classifier, row.reason) == ("question", "rules", None)
    assert chat.requests == []
