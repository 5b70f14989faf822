"""SMTP delivery through smtplib with one reused connection per worker thread.

Opening an SMTP session (TCP, EHLO, STARTTLS, AUTH) costs several round trips;
a worker thread keeps its session open between messages and reconnects when
the server has dropped it. Errors are sorted into leadq's families: 4xx replies
and connection problems are transient (retried); a 5xx reply to the recipient
(at RCPT, or at DATA for a message to one recipient) is ``RecipientRejected``
(the address is bad: never retry it).
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
from contextlib import suppress
from email.message import EmailMessage

from leadq.errors import ConfigError, LeadqError, PermanentError, TransientError
from leadq.settings import Settings

#: A connection idle longer than this is checked with NOOP before reuse:
#: servers commonly drop idle sessions after 30-300 s.
IDLE_CHECK_SECONDS = 5.0


class RecipientRejected(PermanentError):
    """The server refused the recipient address with a 5xx reply."""


class AmbiguousDelivery(LeadqError):
    """The connection broke after the message body was sent: it may or may not have been accepted."""


def _classified(exc: smtplib.SMTPResponseException) -> LeadqError:
    text = f"SMTP {exc.smtp_code} {exc.smtp_error!r}"
    return TransientError(text) if 400 <= exc.smtp_code < 500 else PermanentError(text)


def _recipients_error(exc: smtplib.SMTPRecipientsRefused) -> LeadqError:
    detail = "; ".join(f"{rcpt}: {code} {msg!r}" for rcpt, (code, msg) in exc.recipients.items())
    if all(code >= 500 for code, _ in exc.recipients.values()):
        return RecipientRejected(f"recipient refused: {detail}")
    return TransientError(f"recipient deferred: {detail}")


class SmtpTransport:
    """Sends messages; each thread holds its own open connection when ``reuse`` is on."""

    def __init__(self, settings: Settings, *, reuse: bool = True) -> None:
        if not settings.smtp_host:
            raise ConfigError("LEADQ_SMTP_HOST is not set")
        self.settings = settings
        self.reuse = reuse
        self._local = threading.local()
        self.connections_opened = 0
        # Built once: loading the system CA store costs ~30 ms, more than a whole
        # SMTP session on a LAN.
        self._tls_context = ssl.create_default_context() if settings.smtp_tls != "none" else None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = self._tls_context
        try:
            if s.smtp_tls == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context
                )
            else:
                conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
                if s.smtp_tls == "starttls":
                    conn.starttls(context=context)
            if s.smtp_user:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                conn.login(s.smtp_user, password)
            conn.ehlo_or_helo_if_needed()
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentError(f"SMTP login refused for {s.smtp_user!r}: {exc.smtp_code}") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentError(f"SMTP server {s.smtp_host} does not support {exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"cannot connect to SMTP {s.smtp_host}:{s.smtp_port}: {exc}") from None
        self.connections_opened += 1
        return conn

    def _connection(self) -> smtplib.SMTP:
        conn: smtplib.SMTP | None = getattr(self._local, "conn", None)
        if conn is not None and time.monotonic() - self._local.used > IDLE_CHECK_SECONDS:
            try:
                conn.noop()
            except (OSError, smtplib.SMTPException):
                self._drop()
                conn = None
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            self._local.used = time.monotonic()
        return conn

    def _detach(self) -> smtplib.SMTP | None:
        """This thread's connection, forgotten: the next send opens a new one."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        return conn

    def _drop(self) -> None:
        conn = self._detach()
        if conn is not None:
            with suppress(OSError):
                conn.close()

    def send(self, message: EmailMessage, *, sender: str, recipients: list[str]) -> None:
        """Hand one message to the server.

        Raises TransientError or PermanentError when the server did not take the
        message, and AmbiguousDelivery when the connection broke after the body
        went out, since the server may then have accepted it.
        """
        payload = message.as_bytes()
        conn = self._envelope(sender, recipients)
        try:
            code, reply = conn.data(payload)
            if code != 250:
                # smtplib raises for a refused DATA command but returns the reply to the message itself.
                raise smtplib.SMTPDataError(code, reply)
        except smtplib.SMTPResponseException as exc:  # the server answered: it did not take it
            self._reset(conn)
            if exc.smtp_code >= 500 and len(recipients) == 1:
                # Refused for its one recipient after RCPT was accepted: a hard bounce told at once.
                raise RecipientRejected(f"refused at DATA: SMTP {exc.smtp_code} {exc.smtp_error!r}") from None
            raise _classified(exc) from None
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise AmbiguousDelivery(
                f"SMTP connection lost while the message was being accepted: {exc}"
            ) from None
        self._local.used = time.monotonic()
        if not self.reuse:
            self.close()

    def _envelope(self, sender: str, recipients: list[str]) -> smtplib.SMTP:
        """MAIL FROM and RCPT TO on a live connection.

        Nothing of the message has been sent yet, so a reused connection the
        server has dropped is replaced once, right away.
        """
        for attempt in (1, 2):
            reused = getattr(self._local, "conn", None) is not None
            conn = self._connection()
            try:
                code, reply = conn.mail(sender)
                if code != 250:
                    raise smtplib.SMTPSenderRefused(code, reply, sender)
                refused = {}
                for recipient in recipients:
                    code, reply = conn.rcpt(recipient)
                    if code not in (250, 251):
                        refused[recipient] = (code, reply)
                if refused:
                    raise smtplib.SMTPRecipientsRefused(refused)
                return conn
            except smtplib.SMTPRecipientsRefused as exc:
                self._reset(conn)
                raise _recipients_error(exc) from None
            except smtplib.SMTPResponseException as exc:
                self._reset(conn)
                raise _classified(exc) from None
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                if not (reused and attempt == 1):
                    raise TransientError(f"SMTP connection failed: {exc}") from None
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _reset(self, conn: smtplib.SMTP) -> None:
        # After a refused transaction the session is still usable once RSET.
        try:
            conn.rset()
            self._local.used = time.monotonic()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def probe(self) -> str:
        """Connect, negotiate TLS and log in as a send would, then quit: for `leadq doctor`.

        Returns what the server said in reply to EHLO (its name); raises
        TransientError or PermanentError like a send.
        """
        conn = self._connect()
        try:
            return (conn.ehlo_resp or b"").decode(errors="replace").splitlines()[0]
        finally:
            conn.quit()

    def close(self) -> None:
        """Quit this thread's connection (other threads keep theirs)."""
        conn = self._detach()
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()
