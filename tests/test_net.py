"""URL guard and HTTP status mapping for hostile lead URLs."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from requests.adapters import HTTPAdapter

from leadq.errors import PermanentError, UrlRefused
from leadq.net import HttpClient, check_url, non_public_reason, parse_web_url, retry_after_seconds
from leadq.settings import Settings


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/admin",
        "http://localhost:8080/",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
    ],
)
def test_private_loopback_and_link_local_hosts_are_refused(url):
    with pytest.raises(UrlRefused, match="non-public address"):
        check_url(url, allow_private=False)


@pytest.mark.parametrize(
    # ("http:///x" is not one: browsers read it as http://x/)
    "url",
    ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.com/", "http://", "http://[::1/"],
)
def test_only_http_urls_with_a_host_are_fetched(url):
    with pytest.raises(UrlRefused):
        check_url(url, allow_private=True)


def test_the_setting_allows_private_hosts():
    assert check_url("http://127.0.0.1:9/x", allow_private=True) == "http://127.0.0.1:9/x"


def test_an_unresolvable_host_is_a_permanent_error():
    with pytest.raises(PermanentError, match="cannot resolve"):
        check_url("http://no-such-host.invalid/", allow_private=False)


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


@pytest.fixture
def local_server():
    """A real HTTP server on 127.0.0.1 that counts the requests it answers."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def rebinding_dns(monkeypatch):
    """A resolver that answers "rebind.test" with a public address the first
    time (the URL check) and with 127.0.0.1 afterwards (the connection)."""
    real = socket.getaddrinfo
    answers = ["93.184.216.34"]

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        address = answers.pop() if answers else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_host_that_rebinds_to_loopback_after_the_check_is_refused(tmp_path, local_server, rebinding_dns):
    port, hits = local_server
    client = HttpClient(Settings(data_dir=tmp_path, allow_private_urls=False))
    try:
        with pytest.raises(UrlRefused, match="connected to non-public address 127.0.0.1"):
            client.get(f"http://rebind.test:{port}/admin")
    finally:
        client.close()
    assert hits == []


def test_without_the_connection_check_the_rebinding_host_gets_through(tmp_path, local_server, rebinding_dns):
    # The control for the test above: the URL check alone passes the host and
    # the request lands on loopback, so the refusal there is the connection check's.
    port, hits = local_server
    client = HttpClient(Settings(data_dir=tmp_path, allow_private_urls=False))
    client.session.mount("http://", HTTPAdapter())
    try:
        assert client.get(f"http://rebind.test:{port}/admin").text == "ok"
    finally:
        client.close()
    assert hits == ["/admin"]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://10.0.0.5\\@example.com/", "10.0.0.5"),  # a backslash ends the host, as in browsers
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://017700000001/", "127.0.0.1"),
        ("http://127.1/", "127.0.0.1"),
        ("http://user:pw@10.1.2.3:8080/x", "10.1.2.3"),
        ("HTTP://[::FFFF:127.0.0.1]/", "::ffff:7f00:1"),
        ("http://ＥＸＡＭＰＬＥ.com/", "example.com"),
        ("http://bücher.example/", "xn--bcher-kva.example"),
    ],
)
def test_urls_are_read_as_a_browser_reads_them(url, host):
    assert parse_web_url(url).host == host


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5\\@example.com/",
        "http://0x7f.1/",
        "http://2130706433/",
        "http://[::ffff:10.0.0.1]/",
        "http://[::7f00:1]/",  # IPv4-compatible
        "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
        "http://[64:ff9b:1::808:808]/",  # local-use NAT64
        "http://[2002:c0a8:101::1]/",  # 6to4 of 192.168.1.1
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/",  # Teredo, client 10.0.0.1
    ],
)
def test_private_addresses_in_any_spelling_are_refused(url):
    with pytest.raises(UrlRefused, match="non-public address"):
        check_url(url, allow_private=False)


def test_an_embedded_public_address_is_public():
    assert non_public_reason("64:ff9b::808:808") is None
    assert non_public_reason("2002:808:808::1") is None
    assert non_public_reason("64:ff9b::7f00:1") == "non-public address 64:ff9b::7f00:1 (embeds 127.0.0.1)"


def test_the_checked_url_is_the_one_fetched():
    assert check_url("http://0x7f.1:8/a b", allow_private=True) == "http://127.0.0.1:8/a%20b"


@pytest.fixture
def trusted_site(local_server):
    """A configured source site on loopback that redirects to another loopback port (the internal server)."""
    internal_port, _hits = local_server

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            target = {
                "/to-internal": f"http://127.0.0.1:{internal_port}/secret",
                "/to-rebinder": f"http://rebind.test:{internal_port}/secret",
                "/to-self": "/page",
            }.get(self.path)
            if target:
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"page")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_trusted_origin_is_reachable_and_may_redirect_to_itself(tmp_path, trusted_site):
    client = HttpClient(Settings(data_dir=tmp_path, allow_private_urls=False), trusted_origins=[trusted_site])
    try:
        assert client.get(f"{trusted_site}/to-self").text == "page"
    finally:
        client.close()


def test_a_redirect_from_the_trusted_origin_to_loopback_is_refused(tmp_path, trusted_site, local_server):
    _port, hits = local_server
    client = HttpClient(Settings(data_dir=tmp_path, allow_private_urls=False), trusted_origins=[trusted_site])
    try:
        with pytest.raises(UrlRefused, match="non-public address 127.0.0.1"):
            client.get(f"{trusted_site}/to-internal")
    finally:
        client.close()
    assert hits == []


def test_a_redirect_from_the_trusted_origin_to_a_rebinding_host_is_refused(
    tmp_path, trusted_site, local_server, rebinding_dns
):
    _port, hits = local_server
    client = HttpClient(Settings(data_dir=tmp_path, allow_private_urls=False), trusted_origins=[trusted_site])
    try:
        with pytest.raises(UrlRefused, match="connected to non-public address 127.0.0.1"):
            client.get(f"{trusted_site}/to-rebinder")
    finally:
        client.close()
    assert hits == []
