"""Header safety: scraped text never reaches an email header raw.

A lead's name comes from a web page and may hold CR/LF (header injection) or
other control characters. Every value that goes into a header passes through
``clean_header_text``; addresses are built with ``email.headerregistry.Address``
so quoting and encoding are the standard library's job, not ours.
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address

from leadq.contacts import valid_address
from leadq.errors import ValidationFailed

# C0 controls (CR, LF, TAB, NUL ...), DEL, C1 controls and the Unicode line and
# paragraph separators: any of them can split or smuggle a header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s{2,}")
# A configured sender: ``addr`` or ``Name <addr>`` (the name may be quoted) and
# nothing else. parseaddr() would "repair" anything else by picking one address
# out of it (the first of two, the one left of a comment, an unclosed bracket),
# silently sending from an address nobody wrote.
_SENDER = re.compile(
    r'(?:(?P<name>"[^"\\<>@]*"|[^"<>@,;()\\]*?)\s*<(?P<angled>[^<>\s]+)>|(?P<bare>[^<>\s",;()]+))'
)


def clean_header_text(value: str | None, *, max_length: int = 200) -> str:
    """Collapse control characters and runs of spaces to one space; cut to ``max_length``."""
    if not value:
        return ""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()
    return text[:max_length].strip()


def clean_display_name(value: str | None) -> str:
    """A display name safe to put before an address: no controls, no brackets or quotes."""
    return clean_header_text(value, max_length=78).replace('"', "").replace("<", "").replace(">", "")


def mailbox(address: str, display_name: str | None = None) -> Address:
    """An ``Address`` for a header; refuses anything that is not one plain mailbox."""
    clean = valid_address(address)
    if clean is None:
        raise ValidationFailed(f"not a usable email address: {clean_header_text(address)!r}")
    local, _, domain = clean.rpartition("@")
    try:
        return Address(display_name=clean_display_name(display_name), username=local, domain=domain)
    except (HeaderParseError, ValueError) as exc:
        raise ValidationFailed(f"not a usable email address: {clean!r} ({exc})") from None


def parse_sender(value: str) -> Address:
    """Parse a configured sender such as ``Ada at Studio <ada@studio.example>``; refuse anything else."""
    found = _SENDER.fullmatch(value.strip())
    address = found and (found["angled"] or found["bare"])
    if not address or valid_address(address) is None:
        raise ValidationFailed(
            f"not a usable sender: {clean_header_text(value)!r} "
            "(write it as 'name@domain' or 'Display Name <name@domain>')"
        )
    return mailbox(address, (found["name"] or "").strip().strip('"'))


def domain_of(address: str) -> str:
    """The lower-cased domain part of an address."""
    return address.rpartition("@")[2].lower()
