"""URL guard and HTTP status mapping for hostile lead URLs."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from requests.adapters import HTTPAdapter

from leadq.errors import PermanentError, UrlRefused
from leadq.net import HttpClient, check_url, retry_after_seconds
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
    "url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.com/", "http:///x"]
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
