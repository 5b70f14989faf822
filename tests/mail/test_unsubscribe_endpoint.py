"""The unsubscribe endpoint over real HTTP: POST unsubscribes, GET never does, forgeries get 400."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import requests
from sqlmodel import select

from leadq.db import session_scope
from leadq.mail.models import OutboundMessage, Suppression, Unsubscribe
from leadq.mail.tokens import UnsubscribeClaim, make_token
from leadq.mail.unsubscribe_app import UnsubscribeApp
from tests.campaign_factory import add_leads, launched_campaign

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def endpoint(mail_settings):
    server = make_server("127.0.0.1", 0, UnsubscribeApp(mail_settings), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/unsubscribe"
    server.shutdown()
    server.server_close()


def _token(email="owner0@shop0.example", secret="test-secret-0123456789"):
    return make_token(UnsubscribeClaim(email=email, lead_id=1, campaign_id=1), secret)


def _written(settings):
    with session_scope(settings) as session:
        return (session.exec(select(Suppression.email)).all(), session.exec(select(Unsubscribe.method)).all())


def test_a_get_only_shows_a_confirm_form_and_unsubscribes_nobody(mail_settings, endpoint):
    response = requests.get(endpoint, params={"t": _token()}, timeout=5)
    assert response.status_code == 200
    assert '<form method="post">' in response.text and "owner0@shop0.example" in response.text
    assert _written(mail_settings) == ([], [])


def test_an_rfc8058_one_click_post_unsubscribes_and_skips_queued_messages(mail_settings, endpoint, tmp_path):
    add_leads(mail_settings, 1)
    launched_campaign(mail_settings, tmp_path / "c", at=NOON)
    response = requests.post(f"{endpoint}?t={_token()}", data={"List-Unsubscribe": "One-Click"}, timeout=5)
    assert response.status_code == 200 and "will not get any more emails" in response.text
    assert _written(mail_settings) == (["owner0@shop0.example"], ["one-click"])
    with session_scope(mail_settings) as session:
        assert session.exec(select(OutboundMessage.state)).all() == ["skipped"]


def test_the_confirm_form_post_unsubscribes_too(mail_settings, endpoint):
    response = requests.post(endpoint, data={"t": _token()}, timeout=5)
    assert response.status_code == 200
    assert _written(mail_settings) == (["owner0@shop0.example"], ["form"])


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        _token(secret="someone-elses-secret"),
        _token()[:-3] + "xyz",
    ],
)
def test_a_bad_or_forged_token_gets_400_and_nothing_is_written(mail_settings, endpoint, token):
    assert requests.get(endpoint, params={"t": token}, timeout=5).status_code == 400
    response = requests.post(f"{endpoint}?t={token}", data={"List-Unsubscribe": "One-Click"}, timeout=5)
    assert response.status_code == 400
    assert _written(mail_settings) == ([], [])


def test_a_hostile_address_in_a_valid_token_is_escaped_on_the_page(mail_settings, endpoint):
    token = _token(email="<script>alert(1)</script>@x.example")
    response = requests.get(endpoint, params={"t": token}, timeout=5)
    assert "<script>" not in response.text and "&lt;script&gt;" in response.text
