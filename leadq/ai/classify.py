"""Classify a reply to an outreach email: interested, question, not interested,
unsubscribe request, out of office, or bounce.

The rules read the headers machines set (delivery reports, Auto-Submitted)
and plain phrases. A model reads the rest better, but an opt-out the rules
see always wins: missing an unsubscribe request is the one mistake that
must not happen.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import asdict, dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from leadq.ai.engine import ModelCall
from leadq.ai.prompts import render
from leadq.ai.schemas import ClassifyAnswer

#: Body characters a classifier reads: a reply's point is at its top.
MAX_BODY = 8000
#: Where the quoted original starts: "On Mon, ... wrote:", "-----Original Message-----", "From: ...".
QUOTE_START = re.compile(
    r"^(on .{0,200}wrote:|-{2,} ?original message ?-{2,}|from: .{1,200})$", re.IGNORECASE | re.MULTILINE
)


def strip_quoted(body: str) -> str:
    """The reply's own words: quoted lines and the quoted original (with our own footer and its
    unsubscribe link) would otherwise decide the category."""
    match = QUOTE_START.search(body)
    own = body[: match.start()] if match else body
    return "\n".join(line for line in own.splitlines() if not line.lstrip().startswith(">")).strip()


RULES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (category, re.compile(pattern, re.IGNORECASE), reason)
    for category, pattern, reason in (
        (
            "bounce",
            r"delivery status notification|undeliverable|delivery has failed|mail delivery failed"
            r"|address not found|user unknown|mailbox unavailable|returned mail",
            "delivery failure wording",
        ),
        (
            "out_of_office",
            r"out of (the )?office|automatic reply|auto-?reply|on (annual )?leave|away (from|until)"
            r"|on vacation",
            "away-message wording",
        ),
        (
            "unsubscribe",
            r"unsubscribe|remove me|take me off|stop (emailing|contacting|sending)|do not (email|contact)"
            r"|don't (email|contact)|opt(-| )?out",
            "asks not to be contacted",
        ),
        (
            "not_interested",
            r"not interested|no,? thanks|no thank you|we('re| are) (all )?set|already have (a|someone)"
            r"|not (at this time|right now)",
            "declines",
        ),
        (
            "interested",
            r"\binterested\b|sounds (good|great)|let'?s (talk|chat|set up)|call me|give me a call"
            r"|set up a (call|time|meeting)|tell me more|yes,? please",
            "asks to go ahead",
        ),
    )
)


@dataclass
class Reply:
    subject: str
    sender: str
    body: str
    auto_submitted: str = ""
    report: bool = False  # multipart/report: a delivery status notification


@dataclass
class Classification:
    category: str
    confidence: float
    reason: str
    engine: str = "rules"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_reply(text: str) -> Reply:
    """A reply from an .eml (headers and MIME) or from plain pasted text."""
    head = text.lstrip()[:2000]
    if not re.match(r"^[A-Za-z-]{1,60}:", head):
        return Reply("", "", text[:MAX_BODY])
    message = email.message_from_string(text, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if part is not None:
        try:
            body = part.get_content()
        except (LookupError, ValueError):  # unknown charset, broken encoding
            body = str(part.get_payload())
        if part.get_content_type() == "text/html":
            body = LexborHTMLParser(body).text(separator="\n")
    return Reply(
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        body=body[:MAX_BODY],
        auto_submitted=str(message.get("Auto-Submitted", "")),
        report=message.get_content_type() == "multipart/report",
    )


def rules_classify(reply: Reply) -> Classification:
    if reply.report or "mailer-daemon" in reply.sender.lower() or "postmaster@" in reply.sender.lower():
        return Classification("bounce", 0.99, "a delivery status report")
    if reply.auto_submitted.lower().startswith("auto-replied"):
        return Classification("out_of_office", 0.95, "Auto-Submitted: auto-replied")
    body = strip_quoted(reply.body)
    text = f"{reply.subject}\n{body}"
    for category, pattern, reason in RULES:
        match = pattern.search(text)
        if match:
            return Classification(category, 0.8, f"{reason}: {match.group(0)!r}")
    if "?" in body:
        return Classification("question", 0.6, "asks a question")
    return Classification("question", 0.3, "no rule matched: read it yourself")


def classify(reply: Reply, call: ModelCall) -> Classification:
    rules = rules_classify(reply)
    if not call.uses_model or rules.category in ("bounce", "unsubscribe") and rules.confidence >= 0.8:
        return rules
    answer = call.ask(
        render(
            "classify",
            subject=reply.subject,
            sender=reply.sender,
            body=strip_quoted(reply.body) or reply.body,
        ),
        ClassifyAnswer,
    )
    return Classification(answer.category, answer.confidence, answer.reason, engine="openai")
