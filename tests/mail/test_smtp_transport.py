"""The SMTP transport against real aiosmtpd servers: connection reuse, reconnects, AUTH."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from email.message import EmailMessage

import pytest
from aiosmtpd.smtp import AuthResult

from leadq.errors import PermanentError, TransientError
from leadq.mail.smtp import SmtpTransport
from leadq.ops.doctor import check_smtp
from tests.mail_fixtures import free_port, mail_settings_for, serving

# The AUTH tests run without TLS on purpose (TLS has its own tests).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _message(to: str = "a@b.example") -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "ada@studio.example", to, "hi"
    message.set_content("hello")
    return message


def _send(transport: SmtpTransport, to: str = "a@b.example") -> None:
    transport.send(_message(to), sender="ada@studio.example", recipients=[to])


def test_one_connection_carries_many_messages_when_reuse_is_on(tmp_path, smtp_server):
    transport = SmtpTransport(mail_settings_for(tmp_path, smtp_server.port))
    for _ in range(5):
        _send(transport)
    transport.close()
    assert (len(smtp_server.received), smtp_server.sessions, transport.connections_opened) == (5, 1, 1)


def test_each_message_opens_its_own_connection_when_reuse_is_off(tmp_path, smtp_server):
    transport = SmtpTransport(mail_settings_for(tmp_path, smtp_server.port), reuse=False)
    for _ in range(3):
        _send(transport)
    assert (len(smtp_server.received), transport.connections_opened) == (3, 3)


def test_a_connection_the_server_dropped_is_replaced_before_anything_is_sent(tmp_path):
    with serving() as handler:
        transport = SmtpTransport(mail_settings_for(tmp_path, handler.port))
        _send(transport)
    # The server went away under the open connection and comes back.
    with serving(handler, port=handler.port):
        _send(transport)
    assert (len(handler.received), transport.connections_opened) == (2, 2)


def test_nothing_listening_is_a_transient_error(tmp_path):
    with pytest.raises(TransientError, match="cannot connect to SMTP"):
        _send(SmtpTransport(mail_settings_for(tmp_path, free_port())))


@pytest.fixture
def certificate(tmp_path, monkeypatch):
    """A self-signed certificate for 127.0.0.1 that the client trusts (through SSL_CERT_FILE)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_starttls_upgrades_the_session_before_sending(tmp_path, certificate):
    with serving(tls_context=certificate, require_starttls=True) as handler:
        _send(SmtpTransport(mail_settings_for(tmp_path, handler.port, smtp_tls="starttls")))
    assert len(handler.received) == 1


def test_implicit_tls_connects_over_ssl(tmp_path, certificate):
    with serving(ssl_context=certificate) as handler:
        _send(SmtpTransport(mail_settings_for(tmp_path, handler.port, smtp_tls="ssl")))
    assert len(handler.received) == 1


class _Authenticator:
    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"ada" and auth_data.password == b"right"
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def auth_server():
    with serving(authenticator=_Authenticator(), auth_require_tls=False, auth_required=True) as handler:
        yield handler, handler.port


def test_smtp_auth_logs_in_with_the_configured_user(tmp_path, auth_server):
    handler, port = auth_server
    _send(SmtpTransport(mail_settings_for(tmp_path, port, smtp_user="ada", smtp_password="right")))
    assert len(handler.received) == 1


def test_a_refused_login_is_permanent(tmp_path, auth_server):
    _, port = auth_server
    with pytest.raises(PermanentError, match="SMTP login refused"):
        _send(SmtpTransport(mail_settings_for(tmp_path, port, smtp_user="ada", smtp_password="wrong")))


def test_starttls_against_a_server_without_it_is_permanent(tmp_path, smtp_server):
    with pytest.raises(PermanentError, match="does not support"):
        _send(SmtpTransport(mail_settings_for(tmp_path, smtp_server.port, smtp_tls="starttls")))


def test_a_probe_connects_logs_in_and_names_the_server(tmp_path, auth_server):
    _, port = auth_server
    transport = SmtpTransport(mail_settings_for(tmp_path, port, smtp_user="ada", smtp_password="right"))
    assert transport.probe() != ""
    with pytest.raises(PermanentError, match="login refused"):
        SmtpTransport(mail_settings_for(tmp_path, port, smtp_user="ada", smtp_password="wrong")).probe()


def test_the_doctor_check_says_ok_fail_or_skip(tmp_path, smtp_server):
    assert check_smtp(mail_settings_for(tmp_path, smtp_server.port)).status == "ok"
    failed = check_smtp(mail_settings_for(tmp_path, free_port()))
    assert failed.status == "fail" and "cannot connect to SMTP" in failed.detail
    assert check_smtp(mail_settings_for(tmp_path, 25, smtp_host=None)).status == "skip"
