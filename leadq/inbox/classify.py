"""What an incoming message is: bounce, complaint, auto-reply, unsubscribe request or a person's reply.

Pure functions over a parsed ``EmailMessage``; the order of the checks matters:

1. A delivery status notification (RFC 3464: ``multipart/report;
   report-type=delivery-status``) is a bounce. Each recipient's ``Status``
   decides: 5.x.x with ``Action: failed`` is hard (the address is dead), 4.x.x
   soft, ``Action: delayed`` only a delay. A report from a mailer daemon that
   is not RFC 3464 is read for an enhanced status code in its text.
2. An abuse feedback report (RFC 5965 ARF: ``report-type=feedback-report``)
   is a complaint.
3. ``Auto-Submitted`` other than ``no`` (RFC 3834), the de-facto
   ``X-Autoreply``/``X-Autorespond``/``Precedence: auto_reply`` headers, or an
   out-of-office subject is an auto-reply: it does not stop the sequence.
4. A mail to the unsubscribe mailbox, an "unsubscribe" subject, or a short
   "remove me"/"stop" reply is an unsubscribe request.
5. Anything else is a person's reply, sorted by rules into interested,
   question, not interested or other.

Reports quote the original message (``message/rfc822`` or
``text/rfc822-headers``); its Message-ID is collected with In-Reply-To and
References so the message can be matched to what leadq sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import HeaderParser
from email.utils import getaddresses

MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")
STATUS_RE = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")
DAEMON_RE = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mail delivery)", re.IGNORECASE)
OUT_OF_OFFICE_RE = re.compile(
    r"^\s*(auto(matic|matische)?[ -]?(reply|response|antwort)|out of (the )?office|ooo\b|away from|"
    r"abwesenheit|absence|r[ée]ponse automatique|respuesta autom[áa]tica|i am (currently )?(out|away))",
    re.IGNORECASE,
)
UNSUBSCRIBE_RE = re.compile(
    r"\b(unsubscribe|remove me|take me off|opt[ -]?out|stop (emailing|sending|contacting)|"
    r"do not (email|contact)|don'?t (email|contact)|no more emails?)\b",
    re.IGNORECASE,
)
NOT_INTERESTED_RE = re.compile(
    r"\b(not interested|no thanks|no thank you|we('re| are) (all )?(set|good)|already have (a|someone)|"
    r"not (looking|in the market)|pass on this)\b",
    re.IGNORECASE,
)
INTERESTED_RE = re.compile(
    r"\b(interested|sounds good|let'?s (talk|chat|do it)|call me|give me a call|set up a (call|meeting)|"
    r"schedule|send (me )?(more|details|a quote|pricing)|yes\b|how soon)",
    re.IGNORECASE,
)
#: Lines quoting the message replied to: only the reply's own words are read.
QUOTE_START_RE = re.compile(r"^(>|on .+ wrote:|-----original message-----|from: )", re.IGNORECASE)


@dataclass(frozen=True)
class Classified:
    """What a message is and what it points at."""

    kind: str  # reply | unsubscribe | auto-reply | bounce | complaint
    detail: str | None = None
    recipient: str | None = None
    reason: str | None = None
    #: Message-IDs it refers to: In-Reply-To, References, the quoted original's.
    references: list[str] = field(default_factory=list)
    #: The reply's own words (quoted text cut), for the rules and for `inbox show`.
    text: str = ""
    #: Who decided: these rules, or the AI engine for a person's reply (leadq.inbox.intent).
    classifier: str = "rules"


def classify(message: EmailMessage, *, unsubscribe_mailbox: str | None = None) -> Classified:
    references = referenced_ids(message)
    report_type = message.get_param("report-type", header="content-type") if message.is_multipart() else None
    if message.get_content_type() == "multipart/report" and str(report_type).lower() == "delivery-status":
        return _dsn(message, references)
    if message.get_content_type() == "multipart/report" and str(report_type).lower() == "feedback-report":
        return _complaint(message, references)
    text = own_words(body_text(message))
    sender = (getaddresses([str(message.get("From", ""))]) or [("", "")])[0]
    if DAEMON_RE.match(sender[1]) or DAEMON_RE.match(sender[0]):
        bounce = _plain_bounce(message, references)
        if bounce is not None:
            return bounce
    subject = str(message.get("Subject", ""))
    if _is_auto_reply(message, subject):
        return Classified("auto-reply", reason=_first_line(subject), references=references, text=text)
    if _is_unsubscribe(message, subject, text, unsubscribe_mailbox):
        return Classified("unsubscribe", references=references, text=text)
    return Classified("reply", detail=reply_intent(subject, text), references=references, text=text)


def referenced_ids(message: Message) -> list[str]:
    found: list[str] = []
    for header in ("In-Reply-To", "References"):
        found += MESSAGE_ID_RE.findall(str(message.get(header, "")))
    original = quoted_original(message)
    if original is not None:
        found += MESSAGE_ID_RE.findall(str(original.get("Message-ID", "")))
    return list(dict.fromkeys(found))


def quoted_original(message: Message) -> Message | None:
    """The original message a report or bounce quotes (its headers at least), if any."""
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/rfc822-headers"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                return payload[0]
        if content_type == "text/rfc822-headers":
            return HeaderParser().parsestr(part.get_payload(decode=True).decode("utf-8", "replace"))
    return None


def body_text(message: Message) -> str:
    """The first text/plain part (outside any quoted message), else nothing."""
    parts = [message] if not message.is_multipart() else list(message.walk())
    for part in parts:
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8", "replace")
        if part.get_content_type().startswith("message/"):
            break
    return ""


def own_words(text: str) -> str:
    """The reply above the quoted message."""
    lines = []
    for line in text.splitlines():
        if QUOTE_START_RE.match(line.strip()):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def reply_intent(subject: str, text: str) -> str:
    """Rules: not interested beats interested ("not interested" contains "interested")."""
    words = f"{_reply_subject(subject)}\n{text}"
    if NOT_INTERESTED_RE.search(words):
        return "not-interested"
    if INTERESTED_RE.search(words):
        return "interested"
    if "?" in text:
        return "question"
    return "other"


def _reply_subject(subject: str) -> str:
    return re.sub(r"^\s*((re|aw|fwd?|sv)\s*:\s*)+", "", subject, flags=re.IGNORECASE)


def _first_line(value: str) -> str:
    return " ".join(value.split())[:200]


def _status_blocks(message: Message) -> list[Message]:
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            return payload if isinstance(payload, list) else []
    return []


def _address(value: str | None) -> str | None:
    if not value:
        return None
    address = value.split(";", 1)[-1].strip().strip("<>")
    return address.lower() or None


def _dsn(message: EmailMessage, references: list[str]) -> Classified:
    # The first block holds per-message fields; the rest one recipient each.
    recipients = [block for block in _status_blocks(message) if block.get("Final-Recipient")]
    worst = None
    for block in recipients:
        action = str(block.get("Action", "")).strip().lower()
        status = str(block.get("Status", "")).strip()
        detail = "hard" if status.startswith("5") and action == "failed" else None
        detail = detail or ("delayed" if action == "delayed" else "soft" if action == "failed" else None)
        if detail is None:
            continue  # delivered, relayed, expanded: not a failure
        rank = {"hard": 3, "soft": 2, "delayed": 1}[detail]
        if worst is None or rank > worst[0]:
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
            reason = f"{status} {diagnostic}".strip()
            worst = (rank, detail, _address(block.get("Final-Recipient")), reason)
    if worst is None:
        return Classified(
            "bounce", detail="delayed", reason="delivery report without a failure", references=references
        )
    _, detail, recipient, reason = worst
    return Classified(
        "bounce", detail=detail, recipient=recipient, reason=reason[:1000], references=references
    )


def _plain_bounce(message: EmailMessage, references: list[str]) -> Classified | None:
    text = body_text(message)
    match = STATUS_RE.search(text)
    if match is None or match.group(1) == "2":
        return None
    detail = "hard" if match.group(1) == "5" else "soft"
    line = next((line for line in text.splitlines() if match.group(0) in line), match.group(0))
    return Classified("bounce", detail=detail, reason=_first_line(line), references=references)


def _complaint(message: EmailMessage, references: list[str]) -> Classified:
    recipient = None
    feedback_type = "abuse"
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            payload = part.get_payload()
            fields = payload[0] if isinstance(payload, list) and payload else part
            feedback_type = str(fields.get("Feedback-Type", "abuse")).strip().lower()
            recipient = _address(fields.get("Original-Rcpt-To"))
    if recipient is None:
        original = quoted_original(message)
        if original is not None:
            addresses = getaddresses([str(original.get("To", ""))])
            recipient = addresses[0][1].lower() if addresses and addresses[0][1] else None
    return Classified(
        "complaint",
        detail=feedback_type[:32],
        recipient=recipient,
        reason=f"feedback report: {feedback_type}",
        references=references,
    )


def _is_auto_reply(message: EmailMessage, subject: str) -> bool:
    auto_submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    if str(message.get("Precedence", "")).strip().lower() == "auto_reply":
        return True
    if str(message.get("X-Auto-Response-Suppress", "")).strip().lower() in ("all", "oof"):
        return True
    return bool(OUT_OF_OFFICE_RE.match(_reply_subject(subject)))


def _is_unsubscribe(message: EmailMessage, subject: str, text: str, mailbox: str | None) -> bool:
    if mailbox:
        to = {address.lower() for _, address in getaddresses(message.get_all("To", []))}
        if mailbox.lower() in to:
            return True
    if UNSUBSCRIBE_RE.search(_reply_subject(subject)):
        return True
    # "stop" alone, or a short note asking to be taken off: a long reply that
    # mentions unsubscribing in passing is a person's reply, read by a person.
    stripped = text.strip().strip(".!").lower()
    return stripped in ("stop", "unsubscribe", "remove") or (
        len(text) <= 300 and bool(UNSUBSCRIBE_RE.search(text))
    )
