"""The filtering proxy Chromium talks through: refuses private targets, pins the address it checked."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from leadq.egress_proxy import EgressProxy


class Internal:
    """A loopback "internal service" that counts every request it gets."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "6")
                self.end_headers()
                self.wfile.write(b"secret")

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def internal() -> Iterator[Internal]:
    server = Internal()
    yield server
    server.close()


@pytest.fixture
def proxy_for():
    started: list[EgressProxy] = []

    def start(**options) -> dict[str, str]:
        proxy = EgressProxy(**options).start()
        started.append(proxy)
        address = f"http://127.0.0.1:{proxy.port}"
        return {"http": address, "https": address}

    yield start
    for proxy in started:
        proxy.close()


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "[::ffff:127.0.0.1]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "0x7f.1", "2130706433"],
)
def test_a_private_target_gets_403_and_the_internal_server_nothing(internal, proxy_for, host) -> None:
    proxies = proxy_for(allow_private=False)
    response = requests.get(f"http://{host}:{internal.port}/admin", proxies=proxies, timeout=10)
    assert response.status_code == 403
    assert "non-public address" in response.text
    assert internal.hits == []


def test_a_connect_tunnel_to_a_private_address_is_refused(internal, proxy_for) -> None:
    proxies = proxy_for(allow_private=False)
    with pytest.raises(requests.exceptions.ProxyError, match="403"):
        requests.get(f"https://127.0.0.1:{internal.port}/admin", proxies=proxies, timeout=10)
    assert internal.hits == []


def test_the_setting_and_a_trusted_origin_let_private_targets_through(internal, proxy_for) -> None:
    url = f"http://127.0.0.1:{internal.port}/ok"
    assert requests.get(url, proxies=proxy_for(allow_private=True), timeout=10).text == "secret"
    trusted = proxy_for(allow_private=False, trusted_origins=[f"http://127.0.0.1:{internal.port}"])
    assert requests.get(url, proxies=trusted, timeout=10).text == "secret"
    other_port = proxy_for(allow_private=False, trusted_origins=["http://127.0.0.1:1"])
    assert requests.get(url, proxies=other_port, timeout=10).status_code == 403
    assert internal.hits == ["/ok", "/ok"]


def test_the_proxy_connects_to_the_address_it_checked_and_never_looks_again(
    internal, proxy_for, monkeypatch
) -> None:
    # A rebinding resolver: its first answer is the internal server, every later
    # one an address where nothing listens. The request only succeeds if the
    # proxy connects to the very address its single lookup returned.
    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "pinned.test":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = "127.0.0.1" if len(lookups) == 1 else "127.0.0.2"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    proxies = proxy_for(allow_private=True)
    response = requests.get(f"http://pinned.test:{internal.port}/pinned", proxies=proxies, timeout=10)
    assert response.text == "secret"
    assert lookups == ["pinned.test"]


def resolve_to_loopback(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """A hostile DNS server for this process: ``name`` resolves to 127.0.0.1."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_that_resolves_to_loopback_is_refused(internal, proxy_for, monkeypatch) -> None:
    resolve_to_loopback(monkeypatch, "rebind.test")
    proxies = proxy_for(allow_private=False)
    response = requests.get(f"http://rebind.test:{internal.port}/x", proxies=proxies, timeout=10)
    assert response.status_code == 403
    assert internal.hits == []


def test_the_browser_is_told_to_close_after_each_proxied_response(proxy_for) -> None:
    # An upstream that keeps connections alive: were Chromium told so, it would
    # send its next request, maybe for another host, down the same connection.
    class KeepAlive(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Connection", "keep-alive")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    upstream.daemon_threads = True
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    proxy = proxy_for(allow_private=True)["http"]
    try:
        with socket.create_connection(("127.0.0.1", int(proxy.rsplit(":", 1)[1])), timeout=10) as sock:
            target = f"http://127.0.0.1:{upstream.server_address[1]}/"
            sock.sendall(
                f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Connection: keep-alive\r\n\r\n".encode()
            )
            response = b""
            while b"ok" not in response:
                response += sock.recv(4096)
    finally:
        upstream.shutdown()
        upstream.server_close()
    head = response.split(b"\r\n\r\n")[0].lower().split(b"\r\n")
    assert b"connection: close" in head
    assert b"connection: keep-alive" not in head


def test_the_proxy_tells_what_happened_to_a_request_it_did_not_forward(internal) -> None:
    proxy = EgressProxy(allow_private=False, trusted_origins=["http://127.0.0.1:1"]).start()
    address = f"http://127.0.0.1:{proxy.port}"
    proxies = {"http": address, "https": address}
    try:
        assert requests.get("http://127.0.0.1:1/down", proxies=proxies, timeout=10).status_code == 502
        with pytest.raises(requests.exceptions.ProxyError):
            requests.get(f"https://127.0.0.1:{internal.port}/", proxies=proxies, timeout=10)
        assert proxy.failure("http://127.0.0.1:1/down") == "ERR_CONNECTION_REFUSED"
        assert proxy.failure(f"https://127.0.0.1:{internal.port}/any/page") == "ERR_BLOCKED_BY_LEADQ"
        # A tunnel's failure says nothing about plain http:// to the same host and port.
        assert proxy.failure(f"http://127.0.0.1:{internal.port}/") is None
    finally:
        proxy.close()
    assert internal.hits == []
