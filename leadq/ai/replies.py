"""Draft an answer to a reply, for a person to approve: nothing here sends anything.

Replies that need no answer get none: a bounce or an away message, and an
unsubscribe request, whose answer is to suppress the address, not to write
again. The rules engine answers from a short text per category; a model's
draft must pass the fact guard against the reply itself, and, when the reply
is one the inbox matched to a lead, against the lead's record and the
campaign email it answers: it cannot promise numbers or links nobody gave.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from leadq.ai.classify import Classification, Reply, strip_quoted
from leadq.ai.engine import ModelCall
from leadq.ai.factguard import FactSheet, check_draft
from leadq.ai.prompts import render
from leadq.ai.schemas import EmailAnswer
from leadq.ai.scoring import LeadFacts

#: Categories that get no answer, and what to do instead.
NO_ANSWER = {
    "unsubscribe": "do not write again: suppress the address (`leadq suppress add ADDRESS`)",
    "bounce": "the address does not work: nothing to answer",
    "out_of_office": "an automatic away message: wait for the person to be back",
}
#: leadq has no command that sends a reply: a draft is for a person to send themselves.
HOW_TO_SEND = (
    "nothing was sent: review the draft, then send it yourself from your mail client as an answer "
    "to the message"
)
RULE_BODIES = {
    "interested": "Thanks for getting back to me, that is great to hear. When would suit you for a short "
    "call this week or next? I will bring a few concrete ideas for your website.",
    "question": "Thanks for your question. Let me look into it properly and come back to you with a clear "
    "answer shortly.",
    "not_interested": "Thanks for letting me know, and no problem at all. I will not follow up on this.",
}


@dataclass(frozen=True)
class AnsweredEmail:
    """The campaign email a reply answers, as it was rendered for the lead."""

    subject: str
    text: str


@dataclass
class ReplyDraft:
    category: str
    subject: str | None
    body: str | None
    engine: str
    accepted: bool
    note: str | None = None
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sending": HOW_TO_SEND}


def reply_subject(subject: str) -> str:
    subject = " ".join(subject.split())
    return subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()


def draft_reply(
    reply: Reply,
    classification: Classification,
    call: ModelCall,
    *,
    sender_name: str,
    lead: LeadFacts | None = None,
    answered: AnsweredEmail | None = None,
) -> ReplyDraft:
    """The answer a person may approve; ``lead`` and ``answered`` are what the model may draw on
    beyond the reply (and what the fact guard lets it state)."""
    category = classification.category
    if category in NO_ANSWER:
        return ReplyDraft(category, None, None, classification.engine, False, note=NO_ANSWER[category])
    subject = reply_subject(reply.subject or (answered.subject if answered else "") or "your message")
    if not call.uses_model:
        return ReplyDraft(category, subject, f"{RULE_BODIES[category]}\n\n{sender_name}", "rules", True)
    own_words = strip_quoted(reply.body) or reply.body
    known = lead.as_dict() if lead is not None and lead.known() else None
    context = {"answered": asdict(answered) if answered else None, "lead": known}
    answer = call.ask(
        render(
            "reply",
            category=category,
            subject=reply.subject,
            sender=reply.sender,
            body=own_words,
            **context,
        ),
        EmailAnswer,
    )
    sheet = FactSheet({"subject": reply.subject, "reply": own_words, **context}, sender_name=sender_name)
    problems = check_draft(answer.body, sheet)
    return ReplyDraft(category, subject, answer.body, "openai", not problems, problems=problems)
