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

import ssl
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from leadq.ai.engine import ModelCall
from leadq.db import session_scope
from leadq.errors import ConfigError, TransientError
from leadq.inbox.models import InboundCopy, InboundMessage
from leadq.inbox.process import record_message
from leadq.settings import Settings


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


def connect(settings: Settings) -> IMAPClient:
    """A logged-in IMAP connection; ConfigError for bad settings or credentials, TransientError
    when the server cannot be reached."""
    if not settings.imap_host or not settings.imap_user or settings.imap_password is None:
        raise ConfigError("set LEADQ_IMAP_HOST, LEADQ_IMAP_USER and LEADQ_IMAP_PASSWORD to read the inbox")
    where = f"IMAP {settings.imap_host}:{settings.imap_port}"
    try:
        conn = IMAPClient(
            settings.imap_host,
            settings.imap_port,
            ssl=settings.imap_tls == "ssl",
            ssl_context=ssl.create_default_context(),
            timeout=settings.imap_timeout,
        )
        if settings.imap_tls == "starttls":
            conn.starttls(ssl.create_default_context())
    except (OSError, IMAPClientError) as exc:
        raise TransientError(f"{where} cannot be reached: {exc}") from None
    try:
        conn.login(settings.imap_user, settings.imap_password.get_secret_value())
    except LoginError as exc:
        close(conn)
        raise ConfigError(f"{where}: login as {settings.imap_user!r} failed: {_text(exc)}") from None
    except (OSError, IMAPClientAbortError) as exc:
        raise TransientError(f"{where}: connection lost at login: {exc}") from None
    return conn


def _text(exc: Exception) -> str:
    """The server's words: imapclient passes on imaplib's message, itself the repr of bytes."""
    text = str(exc.args[0] if exc.args else exc)
    return text[2:-1] if text[:2] in ("b'", 'b"') else text


def close(conn: IMAPClient) -> None:
    try:
        conn.logout()
    except (OSError, IMAPClientError):
        pass


def open_folder(conn: IMAPClient, folder: str) -> int:
    """Select ``folder`` read-only; returns its UIDVALIDITY."""
    try:
        selected = conn.select_folder(folder, readonly=True)
    except IMAPClientAbortError:
        raise
    except IMAPClientError as exc:
        raise ConfigError(f"IMAP folder {folder!r} cannot be opened: {_text(exc)}") from None
    if b"UIDVALIDITY" not in selected:
        raise TransientError(f"IMAP folder {folder!r}: the server did not say its UIDVALIDITY")
    return int(selected[b"UIDVALIDITY"])


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


def new_uids(conn: IMAPClient, after: int) -> list[int]:
    # "n:*" always includes the highest UID, even when it is below n: filter.
    return sorted(uid for uid in conn.search(["UID", f"{after + 1}:*"]) if uid > after)


def fetch(conn: IMAPClient, uid: int) -> bytes | None:
    """The message's bytes, without setting \\Seen; None when it was expunged since the search."""
    return conn.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")


def poll_folder(
    conn: IMAPClient,
    settings: Settings,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_message: Callable[[InboundMessage], None] | None = None,
    model_call: ModelCall | None = None,
) -> PollResult:
    """Select the folder on ``conn`` and record every message new since the last poll."""
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
                    model_call=model_call,
                )
        except IntegrityError:
            continue  # another poller recorded it first
        if inbound is not None:
            result.recorded += 1
            result.kinds[inbound.kind] += 1
            if on_message is not None:
                on_message(inbound)
    return result


def poll_once(
    settings: Settings,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_message: Callable[[InboundMessage], None] | None = None,
    model_call: ModelCall | None = None,
) -> PollResult:
    """Connect, read and record every message new since the last poll (``model_call``: see
    leadq.inbox.intent), and log out."""
    conn = connect(settings)
    try:
        return poll_folder(conn, settings, now=now, on_message=on_message, model_call=model_call)
    except (OSError, IMAPClientAbortError) as exc:
        raise TransientError(f"IMAP connection lost while polling: {exc}") from None
    finally:
        close(conn)


def check_login(settings: Settings) -> str:
    """Log in and open the folder; returns a line about it (for `leadq doctor`)."""
    conn = connect(settings)
    try:
        uidvalidity = open_folder(conn, settings.imap_folder)
        count = len(conn.search("ALL"))
        return (
            f"logged in as {settings.imap_user}; {settings.imap_folder} has {count} message(s) "
            f"(UIDVALIDITY {uidvalidity})"
        )
    finally:
        close(conn)
