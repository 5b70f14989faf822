"""`leadq email`, `leadq suppress` and `leadq campaign` through the real CLI."""

from __future__ import annotations

import json

import pytest
from leadq.cli.app import app
from sqlalchemy import update
from typer.testing import CliRunner

from leadq.core.broker import setup_broker
from leadq.db import session_scope
from leadq.leads.models import Lead
from leadq.mail.models import OutboundMessage
from leadq.settings import Settings, get_settings
from tests.campaign.test_screening import set_emails
from tests.campaign_factory import add_leads, write_campaign
from tests.dns_server import local_dns  # noqa: F401

runner = CliRunner()


@pytest.fixture
def env(monkeypatch, tmp_path, smtp_server):
    values = {
        "LEADQ_DATA_DIR": str(tmp_path / "data"),
        "LEADQ_BROKER": "embedded",
        "LEADQ_SMTP_HOST": "127.0.0.1",
        "LEADQ_SMTP_PORT": str(smtp_server.port),
        "LEADQ_SMTP_TLS": "none",
        "LEADQ_EMAIL_FROM": "Ada at Studio <ada@studio.example>",
        "LEADQ_POSTAL_ADDRESS": "Studio Ltd, 1 Main St, Springfield",
        "LEADQ_UNSUBSCRIBE_URL": "https://s.example/u",
        "LEADQ_UNSUBSCRIBE_SECRET": "cli-secret",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def leadq(*args: str):
    return runner.invoke(app, list(args))


def test_email_test_sends_one_message_with_the_footer(env, smtp_server):
    result = leadq("email", "test", "--to", "me@studio.example")
    assert result.exit_code == 0, result.output
    [got] = smtp_server.received
    assert got.rcpt_tos == ["me@studio.example"]
    assert "Studio Ltd, 1 Main St" in got.message.get_body(("plain",)).get_content()
    assert got.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_email_test_in_test_mode_says_so_and_writes_an_eml_file(env, smtp_server, monkeypatch, tmp_path):
    monkeypatch.setenv("LEADQ_EMAIL_TEST_MODE", "true")
    monkeypatch.setenv("LEADQ_EMAIL_TEST_DIR", str(tmp_path / "outbox"))
    get_settings.cache_clear()
    result = leadq("email", "test", "--to", "me@studio.example")
    assert result.exit_code == 0
    assert "TEST MODE: messages are written as .eml files" in result.output
    assert smtp_server.received == [] and len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_email_test_with_a_bad_address_is_one_line_and_exit_1(env):
    result = leadq("email", "test", "--to", "nope")
    assert result.exit_code == 1 and "not an email address" in result.output


def test_email_preview_renders_a_template_for_a_sample_lead(env, tmp_path):
    write_campaign(tmp_path / "c")
    result = leadq("email", "preview", "--template", str(tmp_path / "c" / "intro.toml"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["headers"]["Subject"] == "A faster site for Example Plumbing"
    assert "Studio Ltd" in data["body"] and "List-Unsubscribe" in data["headers"]


def test_suppress_add_list_import_remove_round_trip(env, tmp_path):
    assert leadq("suppress", "add", "A@Shop.example", "@spam.example").exit_code == 0
    (tmp_path / "list.csv").write_text("# exported\nb@shop.example,bounced\nnot-an-address\na@shop.example\n")
    result = leadq("suppress", "import", str(tmp_path / "list.csv"))
    assert "added 1, already suppressed 1, rejected 1" in result.output
    listed = json.loads(leadq("suppress", "list", "--json").output)
    assert [row["email"] for row in listed] == ["@spam.example", "a@shop.example", "b@shop.example"]
    assert leadq("suppress", "remove", "a@shop.example").exit_code == 0
    assert leadq("suppress", "remove", "a@shop.example").exit_code == 1
    assert leadq("suppress", "add", "bad value").exit_code == 1


def test_a_campaign_runs_end_to_end_inline_and_status_counts_it(env, smtp_server, tmp_path):
    add_leads(Settings(data_dir=env.data_dir, broker="embedded"), 4)
    path = write_campaign(tmp_path / "c", hours="0, end = 24")
    assert leadq("campaign", "create", str(path)).exit_code == 0
    assert "already exists" in leadq("campaign", "create", str(path)).output
    result = leadq("campaign", "launch", "Plumbers", "--inline")
    assert result.exit_code == 0, result.output
    assert "4 lead(s) in the audience" in result.output and "first message goes out" not in result.output
    assert len(smtp_server.received) == 4
    status = json.loads(leadq("campaign", "status", "Plumbers", "--json").output)
    assert [(s["step"], s["audience"], s["sent"]) for s in status["steps"]] == [(1, 4, 4), (2, 0, 0)]
    assert leadq("campaign", "pause", "1").exit_code == 0
    assert json.loads(leadq("campaign", "list", "--json").output)[0]["state"] == "paused"
    assert leadq("campaign", "resume", "1", "--inline", "--wait").exit_code == 0
    assert len(smtp_server.received) == 4
    assert "Plumbers (running)" in leadq("campaign", "status", "1").output


def test_launch_into_a_closed_sending_window_says_when_the_first_message_goes_out(env, smtp_server, tmp_path):
    settings = Settings(data_dir=env.data_dir, broker="embedded")
    first, second = add_leads(settings, 2)
    assert leadq("campaign", "create", str(write_campaign(tmp_path / "c"))).exit_code == 0
    # Monday 03:00 UTC: outside 9-17 for a lead in UTC (opens 09:00 UTC) and for
    # one in Kolkata (08:30 there, opens 03:30 UTC): the earliest opening counts.
    result = leadq("campaign", "launch", "Plumbers", "--at", "2030-01-07T03:00")
    said = " ".join(result.output.split())  # Rich wraps long lines
    assert "the first message goes out at 2030-01-07 09:00 UTC (in 6.0 h)" in said, said
    with session_scope(settings) as session:
        session.execute(update(Lead).where(Lead.id == second).values(timezone="Asia/Kolkata"))
    path = write_campaign(tmp_path / "d", name="Plumbers 2")
    assert leadq("campaign", "create", str(path)).exit_code == 0
    result = leadq("campaign", "launch", "Plumbers 2", "--at", "2030-01-07T03:00")
    said = " ".join(result.output.split())
    assert "the first message goes out at 2030-01-07 03:30 UTC (in 0.5 h)" in said, said
    assert smtp_server.received == []


def test_launch_refuses_without_a_postal_address(env, monkeypatch, tmp_path):
    monkeypatch.delenv("LEADQ_POSTAL_ADDRESS")
    get_settings.cache_clear()
    setup_broker(get_settings(), inline=True)
    assert leadq("campaign", "create", str(write_campaign(tmp_path / "c"))).exit_code == 0
    result = leadq("campaign", "launch", "Plumbers")
    assert result.exit_code == 1 and "LEADQ_POSTAL_ADDRESS is not set" in result.output


def test_email_resolve_refuses_a_message_that_is_not_unknown(env):
    result = leadq("email", "resolve", "99", "--sent")
    assert result.exit_code == 1 and "no outbound message with id 99" in result.output


def test_preview_a_campaign_step_for_a_stored_lead_and_resolve_an_unknown_message(env, smtp_server, tmp_path):
    add_leads(Settings(data_dir=env.data_dir, broker="embedded"), 1)
    assert (
        leadq("campaign", "create", str(write_campaign(tmp_path / "c", hours="0, end = 24"))).exit_code == 0
    )
    result = leadq("email", "preview", "--campaign", "Plumbers", "--step", "2", "--lead", "1")
    assert result.exit_code == 0, result.output
    assert "Following up, Plumber 0" in result.output and "https://shop0.example" in result.output
    assert "has no step 3" in leadq("email", "preview", "--campaign", "Plumbers", "--step", "3").output

    assert leadq("campaign", "launch", "Plumbers", "--inline").exit_code == 0
    with session_scope(env) as session:
        session.execute(update(OutboundMessage).values(state="unknown"))
    unknown = json.loads(leadq("email", "list", "--state", "unknown", "--json").output)
    assert [row["id"] for row in unknown] == [1]
    assert leadq("email", "resolve", "1", "--resend").exit_code == 0
    assert json.loads(leadq("email", "list", "--json").output)[0]["state"] == "queued"
    assert "not unknown" in leadq("email", "resolve", "1", "--sent").output


def test_campaign_status_shows_why_leads_were_skipped(env, local_dns, monkeypatch, tmp_path):  # noqa: F811 - the shared fixture
    monkeypatch.setenv("LEADQ_EMAIL_CHECK_DELIVERABILITY", "true")
    monkeypatch.setenv("LEADQ_DNS_SERVERS", json.dumps([local_dns.address]))
    env_settings = Settings(data_dir=env.data_dir, broker="embedded")
    ids = add_leads(env_settings, 2)
    set_emails(env_settings, ids, ["owner0@nomail.example", "owner1@shop.example"])
    get_settings.cache_clear()
    assert leadq("campaign", "create", str(write_campaign(tmp_path / "c"))).exit_code == 0
    launched = leadq("campaign", "launch", "Plumbers", "--at", "2030-01-07T10:00")
    assert launched.exit_code == 0, launched.output
    assert "1 lead(s) in the audience" in launched.output
    status = json.loads(leadq("campaign", "status", "Plumbers", "--json").output)
    reason = "undeliverable: The domain name nomail.example does not accept email."
    assert status["skipped"] == {reason: 1} and status["inbox"]["reply"] == 0
    assert f"skipped 1: {reason}" in leadq("campaign", "status", "Plumbers").output


def test_an_ai_step_shows_its_writer_and_how_many_bodies_the_ai_wrote(
    env, smtp_server, tmp_path, monkeypatch, chat
):
    from tests.ai.chat_server import json_completion

    monkeypatch.setenv("LEADQ_AI_ENGINE", "openai")
    monkeypatch.setenv("LEADQ_AI_BASE_URL", chat.url)
    get_settings.cache_clear()
    body = "Hi there,\n\nI had a look at your website and have a few ideas for it.\n\nAda"
    chat.answer = lambda request: json_completion({"subject": "Ideas", "body": body})
    add_leads(Settings(data_dir=env.data_dir, broker="embedded"), 2)
    steps = '[[steps]]\ntemplate = "intro.toml"\nwriter = "ai"\n'
    path = write_campaign(tmp_path / "c", hours="0, end = 24", steps=steps)
    assert leadq("campaign", "create", str(path)).exit_code == 0
    assert leadq("campaign", "launch", "Plumbers", "--inline").exit_code == 0

    assert len(smtp_server.received) == 2
    [shown] = json.loads(leadq("campaign", "show", "Plumbers", "--json").output)["steps"]
    [step] = json.loads(leadq("campaign", "status", "Plumbers", "--json").output)["steps"]
    assert shown["writer"] == "ai"
    assert (step["writer"], step["sent"], step["ai_written"], step["template_fallback"]) == ("ai", 2, 2, 0)
    assert "ai (2 ai, 0 template)" in leadq("campaign", "status", "Plumbers").output
