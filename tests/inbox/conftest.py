"""Inbox tests: the private Dovecot started by scripts/test, one fresh folder per test.

Tests that take ``outreach`` run on SQLite and, when LEADQ_TEST_POSTGRES_URL
is set, again on Postgres in a schema of their own.
"""

from __future__ import annotations

import imaplib
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from leadq.core.broker import setup_broker
from tests.campaign_factory import add_leads, deliver_now, due_rows, launched_campaign
from tests.conftest import _missing
from tests.mail_fixtures import mail_settings, mail_settings_for, smtp_server  # noqa: F401

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@dataclass
class ImapFolder:
    """A folder of its own on the test IMAP server, and the settings that read it."""

    port: int
    user: str
    password: str
    folder: str

    @property
    def settings(self) -> dict:
        return {
            "imap_host": "127.0.0.1",
            "imap_port": self.port,
            "imap_user": self.user,
            "imap_password": self.password,
            "imap_tls": "none",
            "imap_folder": self.folder,
        }

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def uidvalidity(self) -> int:
        conn = self.connect()
        try:
            typ, data = conn.status(self.folder, "(UIDVALIDITY)")
            assert typ == "OK", data
            return int(data[0].split(b"UIDVALIDITY ")[1].rstrip(b")"))
        finally:
            conn.logout()

    def recreate(self) -> None:
        """Delete the folder and make it again, empty: the server numbers it afresh (new UIDVALIDITY)."""
        conn = self.connect()
        try:
            assert conn.delete(self.folder)[0] == "OK"
            assert conn.create(self.folder)[0] == "OK"
        finally:
            conn.logout()

    def deliver(self, *messages: bytes) -> None:
        """APPEND, as a mail server delivering into the folder would."""
        conn = self.connect()
        try:
            for raw in messages:
                typ, data = conn.append(self.folder, None, None, raw)
                assert typ == "OK", data
        finally:
            conn.logout()


@pytest.fixture
def imap_folder() -> ImapFolder:
    port = os.environ.get("LEADQ_TEST_IMAP_PORT")
    if not port:
        _missing("the private test IMAP server (LEADQ_TEST_IMAP_PORT)")
    folder = ImapFolder(
        int(port),
        os.environ["LEADQ_TEST_IMAP_USER"],
        os.environ["LEADQ_TEST_IMAP_PASSWORD"],
        f"test-{uuid.uuid4().hex[:12]}",
    )
    conn = folder.connect()
    try:
        assert conn.create(folder.folder)[0] == "OK"
    finally:
        conn.logout()
    return folder


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """None (SQLite in the test's data directory), or Postgres with a schema of its own."""
    if request.param == "sqlite":
        yield None
        return
    postgres_url = request.getfixturevalue("postgres_url")
    schema = f"leadq_inbox_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def outreach(smtp_server, imap_folder, database_url, tmp_path):  # noqa: F811 - smtp_server is a fixture
    """Five leads sent step 1 of a two-step campaign, with VERP envelope senders; step 2 queued."""
    settings = mail_settings_for(
        tmp_path / "data",
        smtp_server.port,
        **imap_folder.settings,
        bounce_domain="bounce.studio.example",
        database_url=database_url,
    )
    setup_broker(settings)
    add_leads(settings, 5)
    launched_campaign(settings, tmp_path / "c", at=NOON)
    assert [deliver_now(settings, row_id, NOON) for row_id in due_rows(settings, NOON)] == ["sent"] * 5
    due_rows(settings, NOON)  # writes the step-2 rows, due in three days
    sent = {got.rcpt_tos[0]: got for got in smtp_server.received}
    return settings, sent
