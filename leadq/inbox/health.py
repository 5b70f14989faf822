"""The IMAP check for `leadq doctor`: can leadq log in and open the folder it reads?"""

from __future__ import annotations

from leadq.doctor import Check
from leadq.errors import LeadqError
from leadq.inbox.imap import check_login
from leadq.settings import Settings


def check_imap(settings: Settings) -> Check:
    """ok with the folder's size, fail with the reason, skip when no IMAP server is configured."""
    if not settings.imap_host:
        return Check("imap", "skip", "LEADQ_IMAP_HOST not set: replies and bounces are not read")
    where = f"{settings.imap_host}:{settings.imap_port} ({settings.imap_tls})"
    try:
        return Check("imap", "ok", f"{where}: {check_login(settings)}")
    except LeadqError as exc:
        return Check("imap", "fail", f"{where}: {exc}")
