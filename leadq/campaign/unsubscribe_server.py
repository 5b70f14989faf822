"""The HTTP server in front of ``UnsubscribeApp``: waitress, threads and channel timeouts.

The standard library's ``wsgiref`` server handles one connection at a time and
waits on it without a timeout: one idle TCP connection (a scanner, a client
that connected and went quiet) held every unsubscribe behind it. waitress
reads requests asynchronously and only hands complete ones to a small pool of
threads, closes connections idle past ``CHANNEL_TIMEOUT`` and caps what one
client may send, so a slow or silent client costs a socket, never the service.
"""

from __future__ import annotations

from waitress.server import create_server

from leadq.campaign.unsubscribe_app import MAX_BODY, UnsubscribeApp
from leadq.errors import ConfigError
from leadq.settings import Settings

#: Requests run at once; each is a token lookup and one small write.
THREADS = 4
#: Seconds a connection may sit idle (or half-sent) before it is closed.
CHANNEL_TIMEOUT = 30
#: More than any unsubscribe needs: a URL with a token, a one-line form body.
MAX_HEADER_BYTES = 16 * 1024


def make_server(settings: Settings, host: str, port: int):
    """A bound server: ``.run()`` serves, ``.close()`` stops; ConfigError when it cannot bind."""
    if not 0 <= port <= 65535:  # waitress would silently take the port modulo 65536
        raise ConfigError(f"--port {port} is not a TCP port (0-65535)")
    app = UnsubscribeApp(settings)
    try:
        return create_server(
            app,
            host=host,
            port=port,
            threads=THREADS,
            channel_timeout=CHANNEL_TIMEOUT,
            cleanup_interval=max(1, CHANNEL_TIMEOUT // 3),
            max_request_header_size=MAX_HEADER_BYTES,
            max_request_body_size=MAX_BODY,
            ident="leadq",
            # poll(), not select(): no 1024-descriptor ceiling, and close() from
            # another thread ends the loop instead of failing on a closed socket.
            asyncore_use_poll=True,
            # The app answers every path itself; no proxy headers are trusted.
            clear_untrusted_proxy_headers=True,
        )
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} for unsubscribes: {exc.strerror or exc}") from None
    except (ValueError, OverflowError) as exc:  # an address or port it cannot use
        raise ConfigError(f"cannot listen on {host}:{port} for unsubscribes: {exc}") from None
