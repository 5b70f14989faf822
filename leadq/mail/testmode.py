"""Test mode: no lead ever gets a message.

With ``LEADQ_EMAIL_TEST_MODE`` every message is either redirected to
``LEADQ_EMAIL_TEST_ADDRESS`` (sent through the real SMTP server, so what
arrives is exactly what a lead would get) or, with no test address, written as
an ``.eml`` file to ``LEADQ_EMAIL_TEST_DIR`` without touching any server.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

from leadq.mail.smtp import SmtpTransport
from leadq.settings import Settings

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class EmlFolderTransport:
    """Writes each message to ``<folder>/<message-id>.eml`` instead of sending it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, *, sender: str, recipients: list[str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = _UNSAFE_NAME.sub("_", str(message["Message-ID"]).strip("<>")) or "message"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(message.as_bytes())
        temporary.replace(self.folder / f"{name}.eml")

    def close(self) -> None:
        """Nothing is held open."""


def eml_folder(settings: Settings) -> Path:
    return settings.email_test_dir or settings.data_dir / "outbox"


def test_mode_note(settings: Settings) -> str | None:
    """One line telling where messages go in test mode; None when mail is live."""
    if not settings.email_test_mode:
        return None
    if settings.email_test_address:
        return f"TEST MODE: every message is redirected to {settings.email_test_address}"
    return f"TEST MODE: messages are written as .eml files to {eml_folder(settings)}, not sent"


def envelope_recipient(settings: Settings, address: str) -> str:
    """Where a message for ``address`` really goes."""
    if settings.email_test_mode and settings.email_test_address:
        return settings.email_test_address
    return address


def make_transport(settings: Settings, *, reuse: bool = True) -> SmtpTransport | EmlFolderTransport:
    """The transport the settings ask for."""
    if settings.email_test_mode and not settings.email_test_address:
        return EmlFolderTransport(eml_folder(settings))
    return SmtpTransport(settings, reuse=reuse)


_shared: dict[int, tuple[Settings, SmtpTransport | EmlFolderTransport]] = {}


def shared_transport(settings: Settings) -> SmtpTransport | EmlFolderTransport:
    """One transport per settings object per process, so worker threads keep their connections."""
    entry = _shared.get(id(settings))
    if entry is None or entry[0] is not settings:
        entry = (settings, make_transport(settings))
        _shared[id(settings)] = entry
    return entry[1]
