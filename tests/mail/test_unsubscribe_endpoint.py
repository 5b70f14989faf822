"""The unsubscribe endpoint over real HTTP (waitress): POST unsubscribes, GET never does, forgeries 400."""

from __future__ import annotations

import base64
import socket
import threading
import time
from datetime import UTC, datetime

import pytest
import requests
from sqlmodel import select
from typer.testing import CliRunner

from leadq.campaign.unsubscribe_server import make_server
from leadq.db import ensure_schema, session_scope
from leadq.mail.models import OutboundMessage, Suppression, Unsubscribe
from leadq.mail.tokens import UnsubscribeClaim, issue_token, opaque_token
from leadq.settings import get_settings
from tests.campaign_factory import add_leads, launched_campaign
from tests.mail_fixtures import LEGACY_TOKEN

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ADDRESS = "owner0@shop0.example"


def _serve(settings):
    ensure_schema(settings)
    server = make_server(settings, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.effective_port}/unsubscribe"


@pytest.fixture
def endpoint(mail_settings):
    server, url = _serve(mail_settings)
    yield url
    server.close()


def _token(settings, email=ADDRESS) -> str:
    with session_scope(settings) as session:
        claim = UnsubscribeClaim(email=email, lead_id=1, campaign_id=1)
        return issue_token(settings, claim, now=NOON, session=session)


def _written(settings):
    with session_scope(settings) as session:
        return (session.exec(select(Suppression.email)).all(), session.exec(select(Unsubscribe.method)).all())


def test_a_token_is_opaque_and_the_same_for_the_same_message(mail_settings):
    token = _token(mail_settings)
    assert token == _token(mail_settings)  # a retried or previewed message does not mint a new one
    assert token.startswith("2.") and len(token) == 24
    decoded = base64.urlsafe_b64decode(token[2:] + "==")
    assert b"owner0" not in decoded and b"shop0" not in decoded and "owner0" not in token
    other = opaque_token(UnsubscribeClaim(email="owner1@shop0.example", lead_id=1, campaign_id=1), "s")
    assert other != opaque_token(UnsubscribeClaim(email=ADDRESS, lead_id=1, campaign_id=1), "s")


def test_a_get_only_shows_a_confirm_form_that_never_shows_the_address(mail_settings, endpoint):
    response = requests.get(endpoint, params={"t": _token(mail_settings)}, timeout=5)
    assert response.status_code == 200
    assert '<form method="post">' in response.text and "owner0" not in response.text
    assert _written(mail_settings) == ([], [])


def test_an_rfc8058_one_click_post_unsubscribes_and_skips_queued_messages(mail_settings, endpoint, tmp_path):
    add_leads(mail_settings, 1)
    launched_campaign(mail_settings, tmp_path / "c", at=NOON)
    token = _token(mail_settings)
    response = requests.post(f"{endpoint}?t={token}", data={"List-Unsubscribe": "One-Click"}, timeout=5)
    assert response.status_code == 200 and "will not get any more emails" in response.text
    assert "owner0" not in response.text
    assert _written(mail_settings) == ([ADDRESS], ["one-click"])
    with session_scope(mail_settings) as session:
        assert session.exec(select(OutboundMessage.state)).all() == ["skipped"]


def test_the_confirm_form_post_unsubscribes_too(mail_settings, endpoint):
    response = requests.post(endpoint, data={"t": _token(mail_settings)}, timeout=5)
    assert response.status_code == 200
    assert _written(mail_settings) == ([ADDRESS], ["form"])


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "2.AAAAAAAAAAAAAAAAAAAAAA",  # well-formed, never issued
        opaque_token(UnsubscribeClaim(email=ADDRESS, lead_id=1, campaign_id=1), "someone-elses-secret"),
        LEGACY_TOKEN[:-3] + "xyz",
    ],
)
def test_a_bad_unknown_or_forged_token_gets_400_and_nothing_is_written(mail_settings, endpoint, token):
    assert requests.get(endpoint, params={"t": token}, timeout=5).status_code == 400
    response = requests.post(f"{endpoint}?t={token}", data={"List-Unsubscribe": "One-Click"}, timeout=5)
    assert response.status_code == 400
    assert _written(mail_settings) == ([], [])


def test_a_link_of_the_old_format_still_unsubscribes_during_the_grace_period(mail_settings, endpoint):
    response = requests.post(
        f"{endpoint}?t={LEGACY_TOKEN}", data={"List-Unsubscribe": "One-Click"}, timeout=5
    )
    assert response.status_code == 200 and "owner0" not in response.text
    assert _written(mail_settings) == ([ADDRESS], ["one-click"])


def test_old_format_links_are_refused_once_the_grace_period_is_turned_off(mail_settings):
    settings = mail_settings.model_copy(update={"unsubscribe_accept_legacy_tokens": False})
    server, url = _serve(settings)
    try:
        response = requests.post(f"{url}?t={LEGACY_TOKEN}", data={"List-Unsubscribe": "One-Click"}, timeout=5)
    finally:
        server.close()
    assert response.status_code == 400 and _written(settings) == ([], [])


def test_idle_connections_do_not_hold_up_an_unsubscribe(mail_settings, endpoint):
    port = int(endpoint.split(":")[2].split("/")[0])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
    half_sent = socket.create_connection(("127.0.0.1", port))
    half_sent.sendall(b"POST /unsubscribe HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nt=")
    try:
        token = _token(mail_settings)
        started = time.monotonic()
        response = requests.post(f"{endpoint}?t={token}", data={"List-Unsubscribe": "One-Click"}, timeout=10)
        elapsed = time.monotonic() - started
    finally:
        for sock in [*idle, half_sent]:
            sock.close()
    assert response.status_code == 200 and _written(mail_settings) == ([ADDRESS], ["one-click"])
    assert elapsed < 5, f"unsubscribe took {elapsed:.1f} s behind idle connections"


def test_serve_on_a_port_in_use_is_one_clear_line(mail_settings, monkeypatch):
    from leadq.cli.app import app

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("LEADQ_DATA_DIR", str(mail_settings.data_dir))
        monkeypatch.setenv("LEADQ_UNSUBSCRIBE_SECRET", "test-secret-0123456789")
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(app, ["unsubscribe", "serve", "--port", str(port)])
        finally:
            get_settings.cache_clear()
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port} for unsubscribes: Address already in use" in result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1


def test_serve_refuses_a_port_past_65535_instead_of_wrapping_it(mail_settings):
    from leadq.errors import ConfigError

    with pytest.raises(ConfigError, match="not a TCP port"):
        make_server(mail_settings, "127.0.0.1", 70000)
