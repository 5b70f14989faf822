"""A real HTTP server on 127.0.0.1 serving the fixture site in tests/fixtures/enrich/."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SITE = Path(__file__).parents[1] / "fixtures" / "enrich"
PAGES = {
    "/": "index.html",
    "/contact/": "contact.html",
    "/about/": "about.html",
    "/services/": "services.html",
    "/price-list.txt": "price-list.txt",
}
REDIRECTS = {
    "/start": "/",
    "/moved": "/services/",
    "/book": "http://localhost:{port}/contact/",
    "/private-redirect": "http://127.0.0.1:{port}/",
    "/file-redirect": "file:///etc/passwd",
}


@dataclass
class FixtureSite:
    """The running server: its base URL and every request it answered, in order."""

    port: int
    requests: list[tuple[str, str]] = field(default_factory=list)  # (Host header, path)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def paths(self) -> list[str]:
        return [path for _, path in self.requests]


def _handler(site: FixtureSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            site.requests.append((self.headers.get("Host", ""), self.path))
            if self.path in REDIRECTS:
                self.send_response(301)
                self.send_header("Location", REDIRECTS[self.path].format(port=site.port))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            name = PAGES.get(self.path)
            if name is None:
                self._send(404, "text/html; charset=utf-8", b"<h1>Not found</h1>")
                return
            body = (SITE / name).read_bytes().replace(b"{{PORT}}", str(site.port).encode())
            kind = "text/html" if name.endswith(".html") else "text/plain"
            self._send(200, f"{kind}; charset=utf-8", body)

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # the request list is the log
            pass

    return Handler


@pytest.fixture
def fixture_site() -> Iterator[FixtureSite]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    site = FixtureSite(port=server.server_address[1])
    server.RequestHandlerClass = _handler(site)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def fixture_page() -> Callable[[str], str]:
    """Read a fixture page as the server would serve it on port 8000."""
    return lambda name: (SITE / name).read_text(encoding="utf-8").replace("{{PORT}}", "8000")
