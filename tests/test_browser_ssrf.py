"""A hostile page in real headless Chromium cannot make it reach a private address.

The "site" plays a public web site (trusted by origin, as a source's base URL
is) and the "internal" server an internal service on another loopback port:
whatever the site's pages do (images, fetch, XHR, iframes, WebSockets,
redirects, a backslash URL, a name that resolves to loopback), the internal
server must receive zero requests; nor may WebRTC send UDP around the proxy.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from leadq.browser import Chromium
from leadq.settings import Settings

from .test_egress_proxy import Internal, resolve_to_loopback

pytestmark = pytest.mark.chromium

#: Seconds a page gets to fire its requests after it loaded.
SETTLE = 1.5


@pytest.fixture
def internal():
    server = Internal()
    yield server
    server.close()


@pytest.fixture
def site(internal):
    """The hostile "public" site; its pages aim at the internal server."""
    from tests.pagespeed.conftest import LocalServer, Reply

    target = f"127.0.0.1:{internal.port}"
    pages = {
        "/img": f'<img src="http://{target}/img"><img src="http://localhost:{internal.port}/img-name">',
        "/fetch": (
            f'<script>fetch("http://{target}/fetch").catch(() => 0);'
            f'var x = new XMLHttpRequest(); x.open("GET", "http://{target}/xhr"); x.send();'
            f'try {{ new WebSocket("ws://{target}/ws"); }} catch (e) {{}}</script>'
            f'<iframe src="http://{target}/iframe"></iframe>'
        ),
        "/nat64": f'<img src="http://[64:ff9b::7f00:1]:{internal.port}/nat64"><img src="http://0x7f.1:{internal.port}/hex">',
        "/rebind": f'<img src="http://rebind.test:{internal.port}/rebind">',
    }
    server = LocalServer()
    for path, body in pages.items():
        server.route(
            path,
            Reply(body=f"<html><body>{body}</body></html>".encode(), headers={"Content-Type": "text/html"}),
        )
    server.route("/redirect", Reply(status=302, headers={"Location": f"http://{target}/redirected"}))
    server.route(
        "/script-redirect",
        Reply(
            body=f'<script>location.href = "http://{target}/js-redirect";</script>'.encode(),
            headers={"Content-Type": "text/html"},
        ),
    )
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def visit(chromium: Chromium, *urls: str) -> None:
    for url in urls:
        try:
            chromium.driver.get(url)
        except Exception:  # an error page is fine: only what reached the internal server counts
            pass
        time.sleep(SETTLE)


@pytest.fixture
def hostile_dns(monkeypatch):
    """rebind.test resolves to loopback, for leadq's proxy (this process) and for Chromium itself."""
    resolve_to_loopback(monkeypatch, "rebind.test")
    return "--host-resolver-rules=MAP rebind.test 127.0.0.1"


def test_nothing_a_hostile_page_asks_for_reaches_the_internal_server(
    tmp_path, site, internal, hostile_dns
) -> None:
    settings = Settings(data_dir=tmp_path, allow_private_urls=False)
    chromium = Chromium(settings, arguments=[hostile_dns], trusted_origins=[site.url])
    try:
        visit(
            chromium,
            *(
                f"{site.url}{path}"
                for path in ("/img", "/fetch", "/nat64", "/rebind", "/redirect", "/script-redirect")
            ),
            f"http://127.0.0.1:{internal.port}\\@example.com/backslash",
            f"http://rebind.test:{internal.port}/navigate",
        )
        site_paths = {path for path, _query in site.requests}
        assert {"/img", "/fetch", "/nat64", "/rebind", "/redirect"} <= site_paths, (
            "the site itself was reachable"
        )
        assert chromium.proxy.refused, "the proxy saw and refused the attempts"
    finally:
        chromium.close()
    assert internal.hits == []


def test_the_control_with_private_urls_allowed_the_same_pages_do_reach_it(
    tmp_path, site, internal, hostile_dns
) -> None:
    # Without this, a page that silently fired no request would pass the test above.
    chromium = Chromium(Settings(data_dir=tmp_path, allow_private_urls=True), arguments=[hostile_dns])
    try:
        visit(chromium, f"{site.url}/img", f"{site.url}/fetch", f"{site.url}/redirect", f"{site.url}/rebind")
    finally:
        chromium.close()
    assert {"/img", "/img-name", "/fetch", "/xhr", "/iframe", "/redirected", "/rebind"} <= set(internal.hits)


@pytest.fixture
def stun_listener():
    """A UDP socket on loopback that counts the packets (STUN requests) it gets."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.2)
    packets: list[bytes] = []
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                packets.append(udp.recv(2048))
            except TimeoutError:
                continue

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    yield udp.getsockname()[1], packets
    stop.set()
    thread.join()
    udp.close()


def open_peer_connection(driver, stun_port: int) -> None:
    """A page's WebRTC connection attempt, which sends STUN over UDP, straight to the address given."""
    driver.get("data:text/html,<p>webrtc</p>")
    driver.execute_script(
        f"const pc = new RTCPeerConnection({{iceServers: [{{urls: 'stun:127.0.0.1:{stun_port}'}}]}});"
        "pc.createDataChannel('x'); pc.createOffer().then(offer => pc.setLocalDescription(offer));"
    )
    time.sleep(3)


def test_webrtc_sends_no_udp_around_the_proxy(tmp_path, stun_listener) -> None:
    port, packets = stun_listener
    chromium = Chromium(Settings(data_dir=tmp_path, allow_private_urls=True))
    try:
        open_peer_connection(chromium.driver, port)
    finally:
        chromium.close()
    assert packets == []


def test_the_control_a_chromium_without_leadqs_settings_does_send_stun_packets(
    tmp_path, stun_listener
) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    port, packets = stun_listener
    settings = Settings(data_dir=tmp_path)
    options = webdriver.ChromeOptions()
    options.binary_location = settings.chromium_path
    for flag in ("--headless=new", "--no-sandbox", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(settings.chromedriver_path), options=options)
    try:
        open_peer_connection(driver, port)
    finally:
        driver.quit()
    assert packets, "the page does send UDP when nothing stops it"
