"""Secrets out of what leadq prints and logs: passwords in URLs, keys in query strings.

Settings such as LEADQ_REDIS_URL and LEADQ_DATABASE_URL carry passwords in
their userinfo, and error messages quote those URLs. ``mask_url`` takes a URL or
any message quoting URLs and replaces each password (or lone userinfo token)
and each secret-named query value with ``****``, keeping the rest readable.

Clients disagree on where a password ends: redis-py and urllib take the
authority up to the first ``/?#`` and the password up to its last ``@``;
SQLAlchemy lets the password run across ``/`` up to the first ``@``. A
password written unencoded is masked the way either would read it.
"""

from __future__ import annotations

import re

MASK = "****"

_SCHEME = re.compile(r"\b[a-z][a-z0-9+.-]{0,30}://", re.I)
# Bounded, possessive repeats keep masking linear on long hostile text (Sentry scrubs whole events).
_AUTHORITY = re.compile(r"[^/?#\s]{0,2048}")
#: SQLAlchemy's reading: a user without ``:`` or ``/``, then a password up to the first ``@``.
_SQLALCHEMY_USERINFO = re.compile(r"[^:/\s]{0,256}+:[^@\s]{0,256}+@")
_SECRET_PARAM = re.compile(
    r"(?P<key>[?&;](?:[\w.-]{0,40}(?:pass(?:word|wd)?|secret|token|api[_-]?key|auth|sig|signature|credential)"
    r"[\w.-]{0,20}|key))=(?P<value>[^&#\s]*)",
    re.I,
)


def mask_url(text: str) -> str:
    """``text`` (a URL, or a message quoting URLs) with URL passwords and secret parameters masked."""
    pieces: list[str] = []
    done = 0
    for scheme in _SCHEME.finditer(text):
        start = scheme.end()
        if start < done:
            continue
        end = _userinfo_end(text, start)
        if end is None:
            continue
        user, colon, _ = text[start:end].partition(":")
        pieces += [text[done:start], f"{user}:{MASK}" if colon else MASK]
        done = end
    pieces.append(text[done:])
    return _SECRET_PARAM.sub(lambda match: f"{match['key']}={MASK}", "".join(pieces))


def _userinfo_end(text: str, start: int) -> int | None:
    """Index of the ``@`` closing the userinfo that may start at ``start``, read as laxly as any client."""
    authority = _AUTHORITY.match(text, start).group()
    ends = [start + authority.rindex("@")] if "@" in authority else []
    sqlalchemy = _SQLALCHEMY_USERINFO.match(text, start)
    if sqlalchemy:
        ends.append(sqlalchemy.end() - 1)
    return max(ends, default=None)
