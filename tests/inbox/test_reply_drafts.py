"""Replies read from the real IMAP server: recorded on the lead as labels, and answered by
`leadq ai draft-reply MESSAGE_ID` with what leadq knows of the lead and the email it answers."""

from __future__ import annotations

import json

from leadq.cli.app import app
from sqlmodel import select
from typer.testing import CliRunner

from leadq.db import session_scope
from leadq.inbox.imap import poll_once
from leadq.inbox.models import InboundMessage
from leadq.leads.models import Lead
from tests.ai.chat_server import json_completion
from tests.inbox import samples
from tests.inbox.conftest import NOON

runner = CliRunner()


def polled(outreach, imap_folder) -> dict[str, InboundMessage]:
    """Lead 1 replies with interest, lead 2 with a question, lead 4's mailbox is away."""
    settings, sent = outreach
    mid = {address: got.message["Message-ID"] for address, got in sent.items()}
    imap_folder.deliver(
        samples.reply(
            sender="owner0@shop0.example", in_reply_to=mid["owner0@shop0.example"], text="Yes, call me."
        ),
        samples.reply(
            sender="owner1@shop1.example",
            in_reply_to=mid["owner1@shop1.example"],
            text="How much would it cost?",
        ),
        samples.auto_reply(sender="owner3@shop3.example", in_reply_to=mid["owner3@shop3.example"]),
    )
    assert poll_once(settings, now=lambda: NOON).recorded == 3
    with session_scope(settings) as session:
        return {f"{row.kind}:{row.lead_id}": row for row in session.exec(select(InboundMessage))}


def same_database(settings) -> dict[str, str]:
    """The CLI's environment for the database ``outreach`` wrote to (its data dir is the same)."""
    return {"LEADQ_DATABASE_URL": settings.database_url} if settings.database_url else {}


def test_the_inbox_records_who_replied_and_what_they_said_on_the_lead(
    outreach,
    imap_folder,
):
    polled(outreach, imap_folder)
    with session_scope(outreach[0]) as session:
        outcomes = {lead.id: (lead.replied_at, lead.reply_verdict) for lead in session.exec(select(Lead))}
    assert outcomes[1][1] == "interested" and outcomes[2][1] == "question"
    assert outcomes[1][0].replace(tzinfo=NOON.tzinfo) == NOON
    assert outcomes[4] == (None, None)  # an away message is no reply
    assert outcomes[3] == outcomes[5] == (None, None)


def test_draft_reply_answers_a_stored_inbox_message_and_sends_nothing(
    outreach,
    imap_folder,
    smtp_server,
    env,
):
    rows = polled(outreach, imap_folder)
    sent_before = len(smtp_server.received)
    env(LEADQ_EMAIL_FROM="Ada at Studio <ada@studio.example>", **same_database(outreach[0]))
    reply = rows["reply:1"]
    result = runner.invoke(app, ["ai", "draft-reply", str(reply.id), "--json"])
    assert result.exit_code == 0, result.output
    draft = json.loads(result.stdout)
    assert (draft["category"], draft["engine"], draft["accepted"]) == ("interested", "rules", True)
    assert (draft["inbound_id"], draft["lead_id"], draft["to"]) == (reply.id, 1, "owner0@shop0.example")
    assert draft["in_reply_to"] == reply.message_id and draft["subject"] == "Re: A faster site"
    assert "nothing was sent" in draft["sending"]
    text = runner.invoke(app, ["ai", "draft-reply", str(reply.id)]).stdout
    assert f"answering: inbox message {reply.id} from owner0@shop0.example (lead 1)" in text
    assert "send it yourself from your mail client" in text
    away = json.loads(
        runner.invoke(app, ["ai", "draft-reply", str(rows["auto-reply:4"].id), "--json"]).stdout
    )
    assert away["body"] is None and "wait for the person" in away["note"]
    missing = runner.invoke(app, ["ai", "draft-reply", "999"])
    assert missing.exit_code == 1 and "no inbox message 999" in missing.stderr
    assert "Traceback" not in missing.output
    assert len(smtp_server.received) == sent_before


def test_a_model_draft_knows_the_lead_and_the_email_answered_and_may_state_only_those(
    outreach,
    imap_folder,
    env,
    chat,
):
    rows = polled(outreach, imap_folder)
    env(
        LEADQ_EMAIL_FROM="Ada at Studio <ada@studio.example>",
        LEADQ_AI_ENGINE="openai",
        LEADQ_AI_BASE_URL=chat.url,
        **same_database(outreach[0]),
    )
    question = rows["reply:2"]
    honest = {
        "subject": "Re: A faster site",
        "body": "Happy to explain what a faster site for Plumber 1 costs.",
    }
    invented = {"subject": "Re: A faster site", "body": "It costs 999 and takes 14 days, see quick.example."}
    chat.script(json_completion(honest), json_completion(invented))
    draft = json.loads(runner.invoke(app, ["ai", "draft-reply", str(question.id), "--json"]).stdout)
    assert (draft["category"], draft["engine"], draft["accepted"]) == ("question", "openai", True)
    prompt = chat.requests[0]["messages"][1]["content"]
    assert "Plumber 1" in prompt and "https://shop1.example" in prompt  # the lead's record
    assert "The agency's email they answer:\nSubject: A faster site for Plumber 1" in prompt
    assert "How much would it cost?" in prompt
    again = json.loads(runner.invoke(app, ["ai", "draft-reply", str(question.id), "--json"]).stdout)
    assert again == draft and len(chat.requests) == 1  # the cached answer
    refreshed = runner.invoke(app, ["ai", "draft-reply", str(question.id), "--refresh", "--json"])
    rejected = json.loads(refreshed.stdout)
    assert not rejected["accepted"]
    assert "number not in the record: '999'" in rejected["problems"]
