"""The suppression list: addresses (or whole ``@domain``s) leadq never emails.

Checked when a message is about to be sent, not only when it is queued, so an
unsubscribe that arrives while a campaign is running stops the very next send.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from leadq.contacts import valid_address
from leadq.errors import UserError
from leadq.mail.headers import domain_of
from leadq.mail.models import Suppression


def normalise_entry(value: str) -> str | None:
    """A lower-cased address, or ``@domain`` for a whole domain; None when unusable."""
    value = value.strip().lower()
    if value.startswith("@"):
        domain = value[1:]
        return value if valid_address(f"x@{domain}") else None
    return valid_address(value)


def add_suppression(entry: str, *, session: Session, reason: str = "manual") -> bool:
    """Suppress an address or ``@domain``; False when it was already suppressed."""
    clean = normalise_entry(entry)
    if clean is None:
        raise UserError(f"not an email address or @domain: {entry!r}")
    if session.exec(select(Suppression).where(Suppression.email == clean)).first():
        return False
    try:
        with session.begin_nested():
            session.add(Suppression(email=clean, reason=reason))
    except IntegrityError:  # another process added it at the same moment
        return False
    return True


def remove_suppression(entry: str, *, session: Session) -> bool:
    """Lift a suppression; False when it was not there."""
    clean = normalise_entry(entry) or entry.strip().lower()
    row = session.exec(select(Suppression).where(Suppression.email == clean)).first()
    if row is None:
        return False
    session.delete(row)
    return True


def list_suppressions(*, session: Session) -> list[Suppression]:
    return list(session.exec(select(Suppression).order_by(Suppression.email)))


def is_suppressed(address: str, *, session: Session) -> bool:
    """True when the address or its domain is on the list."""
    clean = address.strip().lower()
    keys = [clean, f"@{domain_of(clean)}"]
    return session.exec(select(Suppression.id).where(Suppression.email.in_(keys))).first() is not None


def read_entries(path: Path) -> Iterable[str]:
    """Entries from a text or CSV file: the first cell of each row; ``#`` lines are comments."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                if row and row[0].strip() and not row[0].lstrip().startswith("#"):
                    yield row[0]
    except FileNotFoundError:
        raise UserError(f"file not found: {path}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text") from None


def import_suppressions(path: Path, *, session: Session) -> tuple[int, int, list[str]]:
    """Add every entry of a file: (added, already there, rejected entries)."""
    added = existing = 0
    rejected: list[str] = []
    for entry in read_entries(path):
        if normalise_entry(entry) is None:
            rejected.append(entry)
        elif add_suppression(entry, session=session, reason="import"):
            added += 1
        else:
            existing += 1
    return added, existing, rejected
