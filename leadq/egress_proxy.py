"""A filtering forward proxy on loopback: every request headless Chromium makes goes through it.

A page leadq loads is hostile, and so is everything it asks for: images,
scripts, ``fetch()``, iframes, redirects, WebSockets. Checking the URL before
``driver.get`` cannot see those, and Chromium resolves names itself, so a DNS
server can answer leadq's check with a public address and Chromium with a
private one. Pointed at this proxy (``chromium_flags``), Chromium resolves
nothing: the proxy parses each target host, resolves it once, refuses it
unless every address is public (or the setting or a trusted origin allows it,
``leadq.net.addresses_for``) and connects to exactly the address it checked,
so there is nothing left to rebind. HTTPS and WebSockets arrive as ``CONNECT
host:port`` and get the same check on the tunnel's address.

A request the proxy does not forward gets an error response (``403`` when
refused, ``502`` when the site cannot be reached), which Chromium shows as
the page; ``failure(url)`` tells what really happened in Chromium's own
net-error words (``ERR_CONNECTION_REFUSED``, ``ERR_BLOCKED_BY_LEADQ`` ...),
so an audit reports a dead site as dead, not as a 502 page.
Each ``Chromium`` runs its own proxy (one thread, a thread per connection)
and closes it with the browser.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import socketserver
import threading
from collections.abc import Iterable

from leadq.errors import LeadqError, UrlRefused
from leadq.net import addresses_for, parse_web_url

log = logging.getLogger(__name__)

#: Largest request head (request line + headers) the proxy reads.
MAX_HEAD = 64 * 1024
#: Seconds without a byte in either direction before a connection is dropped.
IDLE_TIMEOUT = 120.0
#: Headers meant for the proxy, not the site.
HOP_HEADERS = (b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive")
#: Failures remembered per proxy (the oldest are forgotten first).
MAX_FAILURES = 500
#: The net error of a request the guard refused (Chromium has none of its own for it).
BLOCKED = "ERR_BLOCKED_BY_LEADQ"


class _Refused(Exception):
    """This request is not forwarded; ``net_error`` says why in Chromium's words."""

    def __init__(self, message: str, net_error: str = BLOCKED) -> None:
        super().__init__(message)
        self.net_error = net_error
        self.target = ""


def _net_error(exc: OSError) -> str:
    """Chromium's name for a failed connection."""
    if isinstance(exc, ConnectionRefusedError):
        return "ERR_CONNECTION_REFUSED"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "ERR_CONNECTION_TIMED_OUT"
    if isinstance(exc, ConnectionResetError):
        return "ERR_CONNECTION_RESET"
    return "ERR_ADDRESS_UNREACHABLE"


class EgressProxy:
    """The proxy one browser talks through; ``start()``, then ``close()``.

    ``allow_private`` lets every address through (``LEADQ_ALLOW_PRIVATE_URLS``);
    ``trusted_origins`` are URLs whose exact host and port may be private.
    """

    def __init__(
        self, *, allow_private: bool, trusted_origins: Iterable[str] = (), connect_timeout: float = 10.0
    ) -> None:
        self.allow_private = allow_private
        self.trusted_origins = tuple(trusted_origins)
        self.connect_timeout = connect_timeout
        self._failures: dict[str, str] = {}
        self._failures_lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="leadq-egress-proxy",
            daemon=True,
        )

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> EgressProxy:
        self._thread.start()
        return self

    def chromium_flags(self) -> tuple[str, ...]:
        """Flags that send every Chromium request through this proxy and nothing around it."""
        return (
            f"--proxy-server=http://127.0.0.1:{self.port}",
            # Chromium bypasses proxies for loopback unless told not to: the
            # internal services most worth protecting live there.
            "--proxy-bypass-list=<-loopback>",
            # WebRTC may not send UDP around the proxy (it would reach any address).
            "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
            "--webrtc-ip-handling-policy=disable_non_proxied_udp",
            # QUIC (and WebTransport on it) is UDP, which an HTTP proxy does not carry.
            "--disable-quic",
            "--dns-prefetch-disable",
        )

    @property
    def refused(self) -> list[str]:
        """Targets (URLs, or host:port of tunnels) the guard refused, oldest first."""
        with self._failures_lock:
            return [target for target, error in self._failures.items() if error == BLOCKED]

    def failure(self, url: str) -> str | None:
        """The net error of the last request for ``url`` the proxy did not forward, if any.

        Plain http:// is remembered by URL; https:// by host and port, all a
        ``CONNECT`` shows.
        """
        try:
            target = parse_web_url(url)
        except LeadqError:
            return None
        key = target.href if target.scheme == "http" else f"{target.host}:{target.port}"
        with self._failures_lock:
            return self._failures.get(key)

    def connect(self, host: str, port: int) -> socket.socket:
        """A socket to ``host:port`` on an address that passed the guard, else ``_Refused``."""
        try:
            addresses = addresses_for(
                host, port, allow_private=self.allow_private, trusted_origins=self.trusted_origins
            )
        except UrlRefused as exc:
            raise _Refused(str(exc)) from None
        except LeadqError as exc:  # the name does not resolve
            raise _Refused(str(exc), "ERR_NAME_NOT_RESOLVED") from None
        error: OSError = OSError("no address")
        for address in addresses:  # the checked addresses themselves: no second lookup
            try:
                return socket.create_connection((address, port), timeout=self.connect_timeout)
            except OSError as exc:
                error = exc
        raise _Refused(f"cannot connect to {host}:{port}: {error}", _net_error(error))

    def note_success(self, target: str) -> None:
        with self._failures_lock:
            self._failures.pop(target, None)

    def note_failure(self, target: str, refused: _Refused) -> None:
        if refused.net_error == BLOCKED:
            log.info("egress proxy refused %s: %s", target, refused)
        with self._failures_lock:
            self._failures.pop(target, None)
            self._failures[target] = refused.net_error
            while len(self._failures) > MAX_FAILURES:
                del self._failures[next(iter(self._failures))]

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: EgressProxy


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        client: socket.socket = self.request
        client.settimeout(IDLE_TIMEOUT)
        try:
            head, rest = _read_head(client)
        except (OSError, ValueError):
            return
        method, target, version = _request_line(head)
        try:
            if method == b"CONNECT":
                upstream = self._tunnel(target)
            else:
                upstream = self._forward(method, target, version, head)
        except _Refused as exc:
            self.server.proxy.note_failure(exc.target, exc)
            if exc.net_error == BLOCKED:
                _reply(client, 403, "Forbidden", f"leadq refused this request: {exc}")
            else:
                _reply(client, 502, "Bad Gateway", f"{exc.net_error}: {exc}")
            return
        except ValueError as exc:
            _reply(client, 400, "Bad Request", str(exc))
            return
        with upstream:
            if method == b"CONNECT":
                client.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            _splice(client, upstream, response_head=method != b"CONNECT")

    def _tunnel(self, target: bytes) -> socket.socket:
        host, _, port = target.decode("latin-1").rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"bad CONNECT target {target[:200]!r}")
        host = host.strip("[]").lower()
        return _attributed(self.server.proxy, f"{host}:{port}", host, int(port))

    def _forward(self, method: bytes, target: bytes, version: bytes, head: bytes) -> socket.socket:
        text = target.decode("latin-1")
        try:
            url = parse_web_url(text)
        except LeadqError as exc:
            refused = _Refused(str(exc))
            refused.target = text
            raise refused from None
        if url.scheme != "http":
            raise ValueError(f"only http:// is proxied without CONNECT, not {url.scheme}")
        upstream = _attributed(self.server.proxy, url.href, url.host, url.port)
        lines = [method + b" " + url.path.encode("latin-1") + b" " + version]
        lines += _end_to_end(head.split(b"\r\n")[1:])
        # One request per upstream connection: the next request on Chromium's
        # connection may be for another host, which must get its own check.
        lines.append(b"Connection: close")
        upstream.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
        return upstream


def _attributed(proxy: EgressProxy, target: str, host: str, port: int) -> socket.socket:
    """``proxy.connect(host, port)`` on behalf of ``target``, whose outcome the proxy remembers."""
    try:
        upstream = proxy.connect(host, port)
    except _Refused as exc:
        exc.target = target
        raise
    proxy.note_success(target)
    return upstream


def _end_to_end(header_lines: list[bytes]) -> list[bytes]:
    """The header lines meant for the other end (hop-by-hop ones dropped)."""
    names = [line.split(b":", 1)[0].strip().lower() for line in header_lines]
    return [line for line, name in zip(header_lines, names, strict=True) if line and name not in HOP_HEADERS]


def _read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(8192)
        if not chunk:
            raise ValueError("connection closed before a request")
        data += chunk
        if len(data) > MAX_HEAD:
            raise ValueError("request head too large")
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _request_line(head: bytes) -> tuple[bytes, bytes, bytes]:
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    if len(parts) != 3:
        return b"", b"", b""
    return parts[0].upper(), parts[1], parts[2]


def _reply(sock: socket.socket, status: int, reason: str, text: str) -> None:
    body = text.encode("utf-8", "replace")
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with contextlib.suppress(OSError):
        sock.sendall(head + body)


def _splice(client: socket.socket, upstream: socket.socket, *, response_head: bool) -> None:
    """Copy bytes both ways until either side closes or both go quiet for ``IDLE_TIMEOUT``.

    With ``response_head`` the upstream's response head is held back until it
    is complete and sent with ``Connection: close`` (``_closing``).
    """
    peers = {client: upstream, upstream: client}
    pending: bytes | None = b"" if response_head else None
    with selectors.DefaultSelector() as selector:
        for sock in peers:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        while True:
            ready = selector.select(timeout=IDLE_TIMEOUT)
            if not ready:
                return
            for key, _ in ready:
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data = source.recv(65536)
                    if not data:
                        return
                    if source is upstream and pending is not None:
                        pending += data
                        if b"\r\n\r\n" not in pending:
                            if len(pending) > MAX_HEAD:
                                return
                            continue
                        data, pending = _closing(pending), None
                    target = peers[source]
                    target.settimeout(IDLE_TIMEOUT)
                    target.sendall(data)
                    target.setblocking(False)
                except OSError:
                    return


def _closing(response: bytes) -> bytes:
    """``response`` (a complete head and what followed it) with ``Connection: close``.

    Chromium would otherwise keep the proxy connection for its next request,
    maybe for another host, which this connection's upstream must not get.
    """
    head, _, body = response.partition(b"\r\n\r\n")
    lines = [head.split(b"\r\n", 1)[0], *_end_to_end(head.split(b"\r\n")[1:])]
    return b"\r\n".join([*lines, b"Connection: close", b"Proxy-Connection: close"]) + b"\r\n\r\n" + body
