"""Inbox tests: the private Dovecot started by scripts/test, one fresh folder per test."""

from __future__ import annotations

import imaplib
import os
import uuid
from dataclasses import dataclass

import pytest

from tests.conftest import _missing
from tests.mail_fixtures import mail_settings, smtp_server  # noqa: F401


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
