"""The unsubscribe endpoint: a small WSGI app behind nginx (`leadq unsubscribe serve`).

* ``POST`` with a valid token unsubscribes: that is RFC 8058's one-click
  request (body ``List-Unsubscribe=One-Click``) and also what the confirm
  form submits.
* ``GET`` never unsubscribes anyone: mail scanners and link previewers follow
  every link in a message. It only shows a form that POSTs the same token.
* A missing, malformed, unknown or forged token gets 400 and nothing is written.
* No page shows the address: whoever holds a link (a forwarded message, a
  proxy log) learns nothing about the recipient from it.
* ``GET …/demo-view/<token>.gif`` is a published demo's view beacon
  (``leadq.demo.beacon``): one public service for both.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import parse_qs

from leadq.db import session_scope
from leadq.demo import beacon
from leadq.errors import ValidationFailed
from leadq.mail.tokens import resolve_token, token_secret
from leadq.mail.unsubscribe import record_unsubscribe
from leadq.settings import Settings

MAX_BODY = 4096

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>{title}</title></head><body style="font-family:sans-serif;max-width:32em;margin:3em auto">
<h1>{title}</h1>{body}</body></html>"""


def _page(title: str, body: str) -> bytes:
    return _PAGE.format(title=html.escape(title), body=body).encode()


class UnsubscribeApp:
    """WSGI callable; ``now`` is injectable so tests control the clock."""

    def __init__(
        self, settings: Settings, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        token_secret(settings)  # ConfigError now rather than a 500 on the first click
        self.settings = settings
        self.now = now

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        if method in ("GET", "HEAD") and beacon.PATH.search(path):
            beacon.count_view(self.settings, token_secret(self.settings), path, environ, self.now())
            start_response(
                "200 OK",
                [
                    ("Content-Type", "image/gif"),
                    ("Content-Length", str(len(beacon.GIF))),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [beacon.GIF]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        form = self._form(environ) if method == "POST" else {}
        token = (form.get("t") or query.get("t") or [""])[0]
        if method not in ("GET", "HEAD", "POST"):
            return self._respond(
                start_response, "405 Method Not Allowed", _page("Not allowed", ""), [("Allow", "GET, POST")]
            )
        one_click = form.get("List-Unsubscribe") == ["One-Click"]
        try:
            with session_scope(self.settings) as session:
                claim = resolve_token(token, settings=self.settings, session=session)
                if method == "POST":
                    record_unsubscribe(
                        claim, method="one-click" if one_click else "form", now=self.now(), session=session
                    )
        except ValidationFailed:
            return self._respond(
                start_response,
                "400 Bad Request",
                _page("Invalid link", "<p>This unsubscribe link is not valid.</p>"),
            )
        if method == "POST":
            return self._respond(
                start_response,
                "200 OK",
                _page("Unsubscribed", "<p>This address will not get any more emails from us.</p>"),
            )
        return self._respond(start_response, "200 OK", self._confirm_form(token))

    @staticmethod
    def _form(environ: dict) -> dict[str, list[str]]:
        try:
            length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        return parse_qs(body.decode("utf-8", errors="replace"))

    @staticmethod
    def _confirm_form(token: str) -> bytes:
        return _page(
            "Unsubscribe",
            (
                "<p>Stop all emails to this address?</p>"
                '<form method="post"><input type="hidden" name="t" value="'
                f'{html.escape(token, quote=True)}"><button type="submit">Unsubscribe</button></form>'
            ),
        )

    @staticmethod
    def _respond(
        start_response: Callable, status: str, body: bytes, headers: list[tuple[str, str]] | None = None
    ) -> list[bytes]:
        start_response(
            status,
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                *(headers or []),
            ],
        )
        return [body]
