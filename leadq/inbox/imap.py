"""Read new messages from the IMAP folder, by UID, each recorded once.

The folder is opened read-only and bodies are fetched with ``BODY.PEEK[]``:
leadq never changes a flag, so a person reading the same mailbox sees it as
it was. What is new is everything above the highest UID recorded for this
mailbox, folder and UIDVALIDITY (RFC 3501: UIDs only grow while UIDVALIDITY
stays; when it changes, the numbering is new and the folder is read again
from its start, where each message already recorded under its old UID is
known by its Message-ID or content and only noted as a copy).

Each message is recorded and acted on in its own transaction, so a poller
killed mid-way loses nothing (the UIDs it did not record are still above the
highest one recorded) and repeats nothing.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from leadq.db import session_scope
from leadq.errors import ConfigError, TransientError
from leadq.inbox.models import InboundCopy, InboundMessage
from leadq.inbox.process import record_message
from leadq.settings import Settings

UIDVALIDITY_RE = re.compile(rb"UIDVALIDITY (\d+)")


@dataclass
class PollResult:
    """One poll: messages seen and recorded, by kind."""

    mailbox: str
    folder: str
    seen: int = 0
    recorded: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


def mailbox_name(settings: Settings) -> str:
    return f"{settings.imap_user}@{settings.imap_host}"


def connect(settings: Settings) -> imaplib.IMAP4:
    """A logged-in IMAP connection; ConfigError for bad settings or credentials, TransientError
    when the server cannot be reached."""
    if not settings.imap_host or not settings.imap_user or settings.imap_password is None:
        raise ConfigError("set LEADQ_IMAP_HOST, LEADQ_IMAP_USER and LEADQ_IMAP_PASSWORD to read the inbox")
    where = f"IMAP {settings.imap_host}:{settings.imap_port}"
    try:
        if settings.imap_tls == "ssl":
            conn = imaplib.IMAP4_SSL(
                settings.imap_host,
                settings.imap_port,
                ssl_context=ssl.create_default_context(),
                timeout=settings.imap_timeout,
            )
        else:
            conn = imaplib.IMAP4(settings.imap_host, settings.imap_port, timeout=settings.imap_timeout)
            if settings.imap_tls == "starttls":
                conn.starttls(ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error) as exc:
        raise TransientError(f"{where} cannot be reached: {exc}") from None
    try:
        conn.login(settings.imap_user, settings.imap_password.get_secret_value())
    except imaplib.IMAP4.error as exc:
        _close(conn)
        raise ConfigError(f"{where}: login as {settings.imap_user!r} failed: {_text(exc)}") from None
    except OSError as exc:
        raise TransientError(f"{where}: connection lost at login: {exc}") from None
    return conn


def _text(exc: Exception) -> str:
    value = exc.args[0] if exc.args else exc
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _close(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except (OSError, imaplib.IMAP4.error):
        pass


def open_folder(conn: imaplib.IMAP4, folder: str) -> int:
    """Select ``folder`` read-only; returns its UIDVALIDITY."""
    typ, data = conn.select(_quoted(folder), readonly=True)
    if typ != "OK":
        raise ConfigError(f"IMAP folder {folder!r} cannot be opened: {_text(Exception(*data))}")
    typ, data = conn.status(_quoted(folder), "(UIDVALIDITY)")
    match = UIDVALIDITY_RE.search(data[0] or b"") if typ == "OK" else None
    if match is None:
        raise TransientError(f"IMAP folder {folder!r}: the server did not say its UIDVALIDITY")
    return int(match.group(1))


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def last_recorded_uid(settings: Settings, mailbox: str, folder: str, uidvalidity: int) -> int:
    """The highest UID recorded, as a message or as a copy of one (0: none yet)."""
    with session_scope(settings) as session:
        return max(
            session.execute(
                select(func.max(table.uid)).where(
                    table.mailbox == mailbox, table.folder == folder, table.uidvalidity == uidvalidity
                )
            ).scalar_one()
            or 0
            for table in (InboundMessage, InboundCopy)
        )


def new_uids(conn: imaplib.IMAP4, after: int) -> list[int]:
    # "n:*" always includes the highest UID, even when it is below n: filter.
    typ, data = conn.uid("SEARCH", None, f"UID {after + 1}:*")
    if typ != "OK":
        raise TransientError(f"IMAP UID SEARCH failed: {data!r}")
    return sorted(uid for uid in (int(value) for value in (data[0] or b"").split()) if uid > after)


def fetch(conn: imaplib.IMAP4, uid: int) -> bytes | None:
    typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK":
        raise TransientError(f"IMAP UID FETCH {uid} failed: {data!r}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None  # expunged since the search


def poll_once(
    settings: Settings,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_message: Callable[[InboundMessage], None] | None = None,
) -> PollResult:
    """Read and record every message new since the last poll."""
    conn = connect(settings)
    try:
        folder = settings.imap_folder
        uidvalidity = open_folder(conn, folder)
        mailbox = mailbox_name(settings)
        result = PollResult(mailbox=mailbox, folder=folder)
        for uid in new_uids(conn, last_recorded_uid(settings, mailbox, folder, uidvalidity)):
            raw = fetch(conn, uid)
            if raw is None:
                continue
            result.seen += 1
            try:
                with session_scope(settings) as session:
                    inbound = record_message(
                        raw,
                        mailbox=mailbox,
                        folder=folder,
                        uidvalidity=uidvalidity,
                        uid=uid,
                        settings=settings,
                        now=now(),
                        session=session,
                    )
            except IntegrityError:
                continue  # another poller recorded it first
            if inbound is not None:
                result.recorded += 1
                result.kinds[inbound.kind] += 1
                if on_message is not None:
                    on_message(inbound)
        return result
    except (OSError, imaplib.IMAP4.abort) as exc:
        raise TransientError(f"IMAP connection lost while polling: {exc}") from None
    finally:
        _close(conn)


def check_login(settings: Settings) -> str:
    """Log in and open the folder; returns a line about it (for `leadq doctor`)."""
    conn = connect(settings)
    try:
        uidvalidity = open_folder(conn, settings.imap_folder)
        typ, data = conn.uid("SEARCH", None, "ALL")
        count = len((data[0] or b"").split()) if typ == "OK" else 0
        return (
            f"logged in as {settings.imap_user}; {settings.imap_folder} has {count} message(s) "
            f"(UIDVALIDITY {uidvalidity})"
        )
    finally:
        _close(conn)
