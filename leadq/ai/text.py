"""Input text as a model may see it: decoded whatever its bytes, and capped in length.

Pasted postings, saved pages and .eml files arrive in any encoding; a 5 MB
paste must not be sent (and paid for) whole. Truncation is said in the text
itself, so the model and the person reading its answer both know.
"""

from __future__ import annotations

from dataclasses import dataclass

TRUNCATION_NOTE = "\n[... truncated by leadq: {dropped} of {total} characters not shown]"


@dataclass(frozen=True)
class InputText:
    text: str
    truncated: bool
    original_chars: int


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else cp1252 (what mislabelled Western text usually is),
    with undecodable bytes replaced rather than failing."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def prepare(text: str, *, max_chars: int) -> InputText:
    """Normalise line ends, drop NULs, and cut text over ``max_chars`` with a note saying so."""
    text = text.replace("\r\n", "\n").replace("\x00", "")
    if len(text) <= max_chars:
        return InputText(text, False, len(text))
    note = TRUNCATION_NOTE.format(dropped=len(text) - max_chars, total=len(text))
    return InputText(text[:max_chars] + note, True, len(text))
