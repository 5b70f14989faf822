"""`leadq inbox poll|list|show` through the real CLI, against the test IMAP server."""

from __future__ import annotations

import json

from leadq.cli.app import app
from typer.testing import CliRunner

from leadq.settings import get_settings
from tests.inbox import samples

runner = CliRunner()


def leadq(*args: str):
    return runner.invoke(app, list(args))


def test_poll_once_then_list_and_show_what_was_read(env, imap_folder):
    env(**{f"LEADQ_{key.upper()}": str(value) for key, value in imap_folder.settings.items()})
    imap_folder.deliver(
        samples.reply(sender="owner@shop.example", in_reply_to=None, text="How much? [bold]x[/]"),
        samples.dsn(recipient="gone@shop.example"),
    )
    polled = leadq("inbox", "poll", "--once")
    assert polled.exit_code == 0, polled.output
    assert "2 new message(s): bounce 1, reply 1" in polled.output
    assert "0 new message(s)" in leadq("inbox", "poll", "--once").output

    bounces = json.loads(leadq("inbox", "list", "--kind", "bounce", "--json").output)
    assert [(row["kind"], row["detail"], row["recipient"]) for row in bounces] == [
        ("bounce", "hard", "gone@shop.example")
    ]
    listed = leadq("inbox", "list")
    assert listed.exit_code == 0 and "Returned mail: User unknown" in listed.output

    [reply] = json.loads(leadq("inbox", "list", "--kind", "reply", "--json").output)
    shown = leadq("inbox", "show", str(reply["id"]))
    assert shown.exit_code == 0
    assert "kind: reply question" in shown.output and "How much? [bold]x[/]" in shown.output
    assert "classified by: rules" in shown.output
    shown_json = json.loads(leadq("inbox", "show", str(reply["id"]), "--json").output)
    assert (shown_json["from_email"], shown_json["classifier"]) == ("owner@shop.example", "rules")


def test_bad_input_and_missing_settings_are_one_line_errors(env, imap_folder):
    env()
    missing = leadq("inbox", "poll", "--once")
    assert missing.exit_code == 1 and "LEADQ_IMAP_HOST" in missing.output
    assert "unknown kind" in leadq("inbox", "list", "--kind", "spam").output
    assert "no inbox message 7" in leadq("inbox", "show", "7").output
    env(**{f"LEADQ_{key.upper()}": str(value) for key, value in imap_folder.settings.items()})
    env(LEADQ_IMAP_PASSWORD="wrong")
    get_settings.cache_clear()
    wrong = leadq("inbox", "poll", "--once")
    assert wrong.exit_code == 1 and "login as 'leadq' failed" in wrong.output
    assert "Traceback" not in wrong.output
