"""Shared by tests/mail and tests/campaign: a real aiosmtpd server and mail-ready settings."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from leadq.core.broker import setup_broker
from leadq.settings import Settings

#: Issued by the first unsubscribe token format (address inside, HMAC with the
#: secret of ``mail_settings_for``): links like this are in inboxes already.
LEGACY_TOKEN = "1.MToxOm93bmVyMEBzaG9wMC5leGFtcGxl.mwfg3IsyS3-khEk3EnYvyni0"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    at: float

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class CapturingHandler:
    """Keeps every accepted message; ``refuse`` maps a recipient to an SMTP reply for RCPT."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    #: Keep the message, then hang up before replying: the client cannot know it was accepted.
    hang_up_after_data: bool = False
    #: A reply to DATA instead of accepting the message (e.g. "554 5.7.1 Rejected").
    refuse_data: str | None = None
    sessions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, time.time())
            )
        if self.hang_up_after_data:
            server.transport.close()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(handler: CapturingHandler | None = None, *, port: int | None = None, **options):
    """A real aiosmtpd server on 127.0.0.1 for the block; yields its capturing handler (``.port`` set)."""
    handler = handler or CapturingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port(), **options)
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 that captures what it accepts."""
    with serving() as handler:
        yield handler


def mail_settings_for(data_dir: Path, port: int, **overrides) -> Settings:
    values = {
        "broker": "embedded",
        "data_dir": data_dir,
        "allow_private_urls": True,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_tls": "none",
        "email_from": "Ada at Studio <ada@studio.example>",
        "postal_address": "Studio Ltd, 1 Main St, Springfield, IL 62701",
        "unsubscribe_url": "https://studio.example/unsubscribe",
        "unsubscribe_secret": "test-secret-0123456789",
        "email_rate_limit": 1000,
        "email_domain_rate_limit": 1000,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def mail_settings(tmp_path: Path, smtp_server: CapturingHandler) -> Settings:
    """Embedded broker, temp SQLite, pointed at the capturing SMTP server."""
    settings = mail_settings_for(tmp_path / "data", smtp_server.port)
    setup_broker(settings)
    return settings
