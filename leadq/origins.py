"""Origins the user trusts with private addresses: the one exception to the lead-URL guard.

Lead URLs never reach a private, loopback or link-local address unless
``allow_private_urls`` opens that for every URL. ``private_origins`` is the
narrow form: exact origins (scheme, host and port) whose own pages may be
private, e.g. the bundled sample's websites on 127.0.0.N during
`leadq scrape --sample`, or one demo server on a LAN. Any other URL, on
any other port of the same host too, keeps the full guard. A fetch or audit
that starts on such an origin runs with ``allow_private_urls``, so its
redirects and subresources are trusted too: trust only servers you run.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from leadq.settings import Settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_key(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of ``url`` with the scheme's default port filled in; None if unparsable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme)


def is_private_origin(url: str, settings: Settings) -> bool:
    """Whether ``url`` is on one of the trusted ``private_origins`` exactly."""
    key = origin_key(url)
    return key is not None and key[1] != "" and key in {origin_key(o) for o in settings.private_origins}


def settings_for_url(settings: Settings, url: str) -> Settings:
    """``settings`` with private addresses allowed when ``url`` is on a trusted private origin."""
    if settings.allow_private_urls or not is_private_origin(url, settings):
        return settings
    return settings.model_copy(update={"allow_private_urls": True})
