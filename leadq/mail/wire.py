"""The email policy outreach goes out with: RFC 2369 list headers as plain folded ASCII.

Python's ``email`` package RFC 2047-encodes any header holding a word longer
than the line limit (``=?utf-8?q?=3Cmailto...?=``). A ``List-Unsubscribe``
URL with a token in it is such a word, and mailbox providers do not decode
encoded words in it: one-click unsubscribe (RFC 8058) silently stops working.
This policy writes the list headers itself, one ``<…>`` item per line, folded
after the commas between items where RFC 2369 allows it, and leaves every
other header to the standard library.
"""

from __future__ import annotations

import re
from email.policy import EmailPolicy

#: Headers whose value is written as given (folded between items), never encoded.
LIST_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post"})
#: RFC 5322 2.1.1: no line of a message may be longer than this (without CRLF).
MAX_LINE = 998

# An item is a URL in angle brackets: printable ASCII, no spaces, no brackets inside.
_ITEM = r"<[\x21-\x3b\x3d\x3f-\x7e]+>"
_LIST = re.compile(rf"{_ITEM}(?:\s*,\s*{_ITEM})*")


def list_items(value: str) -> list[str]:
    """The ``<…>`` items of an RFC 2369 value; ValueError when it is anything else."""
    if not _LIST.fullmatch(value.strip()):
        raise ValueError(f"not a comma-separated list of <URL>s: {value!r}")
    return re.findall(_ITEM, value)


def fold_list_header(name: str, value: str, linesep: str = "\r\n") -> str:
    """``Name: <a>,<linesep> <b><linesep>``; ValueError for a line past 998 characters or non-ASCII.

    ``List-Unsubscribe-Post`` holds no ``<…>`` item: it is written on one line.
    """
    if not value.isascii() or any(c in value for c in "\r\n"):
        raise ValueError(f"{name}: header value must be one line of ASCII")
    items = list_items(value) if name.lower() == "list-unsubscribe" else [value.strip()]
    lines = [f"{name}: {items[0]}", *(f" {item}" for item in items[1:])]
    folded = ("," + linesep).join(lines) + linesep
    if any(len(line) > MAX_LINE for line in folded.split(linesep)):
        raise ValueError(f"{name}: an item is longer than the {MAX_LINE}-character line limit")
    return folded


class ListHeaderPolicy(EmailPolicy):
    """``email.policy.SMTP`` except that the list headers are folded by ``fold_list_header``."""

    def fold(self, name: str, value) -> str:
        if name.lower() in LIST_HEADERS:
            return fold_list_header(name, str(value), self.linesep)
        return super().fold(name, value)

    def fold_binary(self, name: str, value) -> bytes:
        if name.lower() in LIST_HEADERS:
            return fold_list_header(name, str(value), self.linesep).encode("ascii")
        return super().fold_binary(name, value)


#: What every outreach and test message is built and serialised with (CRLF line ends).
OUTREACH_POLICY = ListHeaderPolicy(linesep="\r\n")
