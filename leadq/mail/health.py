"""The SMTP check for `leadq doctor`: can leadq connect, negotiate TLS and log in?"""

from __future__ import annotations

from leadq.doctor import Check
from leadq.errors import LeadqError
from leadq.mail.smtp import SmtpTransport
from leadq.settings import Settings


def check_smtp(settings: Settings) -> Check:
    """ok with the server's name, fail with the reason, skip when no SMTP server is configured."""
    if not settings.smtp_host:
        return Check("smtp", "skip", "LEADQ_SMTP_HOST not set: email cannot be sent")
    where = f"{settings.smtp_host}:{settings.smtp_port} ({settings.smtp_tls})"
    try:
        server = SmtpTransport(settings).probe()
    except LeadqError as exc:
        return Check("smtp", "fail", f"{where}: {exc}")
    return Check("smtp", "ok", f"{where}: {server}")
