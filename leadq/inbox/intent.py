"""What a person's reply wants, read by the AI domain's classifier when the engine is a model.

With ``LEADQ_AI_ENGINE=openai`` a reply the inbox's checks found to be from a
person (no delivery report, no Auto-Submitted, not an opt-out the rules
see) goes to ``leadq.ai.classify``; its category becomes the row's detail:

- interested, question, not_interested: the reply's intent;
- unsubscribe: the row becomes an unsubscribe request (an opt-out the rules
  missed; suppressing is the safe side);
- out_of_office or bounce: the headers machines set said otherwise, so the
  row stays a reply (which stops the sequence) with detail ``other``.

The inbox's rules decide when the engine is ``rules``, and when the model
cannot answer: unreachable, over the AI budget or rate, or an invalid answer.
A message's effects (stop, suppress) must not wait for a model, so the poll
goes on; the row says which classifier decided and, after a failure, why.
"""

from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage

from leadq.ai.classify import Reply
from leadq.ai.classify import classify as ai_classify
from leadq.ai.engine import ModelCall
from leadq.errors import Deferred, LeadqError
from leadq.inbox.classify import Classified

#: The AI domain's reply categories as the inbox's reply details.
DETAILS = {"interested": "interested", "question": "question", "not_interested": "not-interested"}


def read_reply(message: EmailMessage, classified: Classified, call: ModelCall | None) -> Classified:
    """``classified`` (a rules verdict) with a person's reply read by the model when there is one."""
    if classified.kind != "reply" or call is None or not call.uses_model:
        return classified
    reply = Reply(
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        body=classified.text,
    )
    try:
        answer = ai_classify(reply, call)
    except (LeadqError, Deferred) as exc:
        reason = f"model unavailable, rules decided: {' '.join(str(exc).split())}"
        return replace(classified, reason=reason[:1000])
    if answer.engine != "openai":  # the AI domain's own rules saw an opt-out or bounce first
        return classified
    reason = f"{answer.category} ({answer.confidence:.2f}): {' '.join(answer.reason.split())}"[:1000]
    if answer.category == "unsubscribe":
        return replace(classified, kind="unsubscribe", detail=None, reason=reason, classifier="openai")
    return replace(
        classified, detail=DETAILS.get(answer.category, "other"), reason=reason, classifier="openai"
    )
