"""A local stand-in for Craigslist, Yellow Pages and Google Maps, serving saved pages on 127.0.0.1.

It also serves a tiny directory (/directory) and business websites (/biz/NAME/)
for website enrichment. Used by ``scripts/sample-site`` (run the whole pipeline offline) and by the
tests (a real HTTP server, no mocks). Craigslist search pages come from the
saved real page, or are generated in the real static layout when a listing
count is asked for (load tests); a posting whose saved page exists is served
as saved, any other posting is the saved posting page with that listing's
id, title and price put in. Google Maps is a hand-written script page under
/maps/ that builds its results feed and place panels in the browser. Every
request's arrival time is logged so tests can check the per-host rate limit
at the server.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from leadq.settings import Settings
from leadq.sources.craigslist import CraigslistSource

SEARCH_PAGE = "craigslist/craigslist-search-results-sample.html"
POSTING_TEMPLATE = "craigslist/craigslist-result-details-sample.html"
TEMPLATE_PID = "7692736931"
TEMPLATE_TITLE = "Solar tea light"
TEMPLATE_URL = "https://boston.craigslist.org/nos/for/d/peabody-solar-tea-light/7692736931.html"
POSTING_PATH_RE = re.compile(r"/(\d{5,20})\.html$")
PAGE_SIZE = 120
BUSINESS_PART_RE = re.compile(r"^[a-z0-9-]{1,40}$")
STATIC_ITEM = """
        <li class="cl-static-search-result" title="{title}">
            <a href="https://sample.craigslist.org/sks/d/sample-{pid}/{pid}.html">
                <div class="title">{title}</div>
                <div class="details">
                    <div class="price">${price}</div><div class="location">Sample Town</div>
                </div>
            </a>
        </li>"""


class Routed(Protocol):
    """What ``serve`` needs of a site: a request log and a router."""

    def log(self, path: str, user_agent: str) -> None: ...

    def route(self, raw_path: str) -> tuple[int, str, str]: ...


@dataclass
class SampleSite:
    """What the server serves; ``listings`` > 0 generates that many Craigslist listings."""

    fixtures: Path
    listings: int = 0
    #: robots.txt body; None serves a 404 (no robots.txt).
    robots: str | None = "User-agent: *\nDisallow: /reply/\n"
    blocked: bool = False
    #: Serve this Google page under /maps/ instead of Maps: "consent" or "sorry" (captcha).
    maps_block: str | None = None
    #: Posting ids answered with 404 (a listing deleted between search and fetch).
    gone: set[str] = field(default_factory=set)
    #: (arrival time, path, User-Agent) of every request.
    requests: list[tuple[float, str, str]] = field(default_factory=list)
    #: Also append each request as a JSON line here (a server in another process).
    request_log: Path | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._saved_postings = {}
        for path in sorted((self.fixtures / "craigslist").glob("*.html")):
            found = re.search(r"post id:\s*(\d+)", path.read_text(encoding="utf-8"))
            if found:
                self._saved_postings.setdefault(found.group(1), path)
        self._search_page = (self.fixtures / SEARCH_PAGE).read_text(encoding="utf-8")
        self._template = (self.fixtures / POSTING_TEMPLATE).read_text(encoding="utf-8")
        source = CraigslistSource(Settings(_env_file=None))
        cards = source.parse_search(self._search_page, "https://boston.craigslist.org/search/sss").listings
        self._titles = {listing.external_id: (listing.title, listing.price) for listing in cards}

    def log(self, path: str, user_agent: str) -> None:
        entry = (time.time(), path, user_agent)
        with self._lock:
            self.requests.append(entry)
            if self.request_log is not None:
                with self.request_log.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(entry) + "\n")

    # -- pages -----------------------------------------------------------------------

    def craigslist_search(self, offset: int) -> str:
        if self.blocked:
            return (self.fixtures / "craigslist/blocked.html").read_text(encoding="utf-8")
        if not self.listings:
            return self._search_page if offset == 0 else self._static_page([])
        pids = range(offset, min(offset + PAGE_SIZE, self.listings))
        return self._static_page([self.synthetic_pid(index) for index in pids])

    @staticmethod
    def synthetic_pid(index: int) -> str:
        return str(7_000_000_000 + index)

    def _static_page(self, pids: list[str]) -> str:
        items = "".join(
            STATIC_ITEM.format(
                pid=pid, title=html.escape(self._title(pid)[0]), price=self._title(pid)[1] or 0
            )
            for pid in pids
        )
        return (
            f"<!DOCTYPE html><html><head><meta charset='UTF-8'><title>search</title></head>"
            f"<body class='search no-js'><ol class='cl-static-search-results'>{items}</ol></body></html>"
        )

    def _title(self, pid: str) -> tuple[str, float | None]:
        if pid in self._titles:
            return self._titles[pid]
        return f"Sample landscaping listing {pid}", 100.0

    def craigslist_posting(self, pid: str, path: str) -> str:
        if pid in self._saved_postings:
            return self._saved_postings[pid].read_text(encoding="utf-8")
        title, price = self._title(pid)
        page = self._template.replace(TEMPLATE_URL, f"https://boston.craigslist.org{path}")
        page = page.replace(TEMPLATE_PID, pid).replace(TEMPLATE_TITLE, html.escape(title))
        price_html = f'<span class="price">${price:,.0f}</span>' if price is not None else ""
        return page.replace('<span class="price">$5</span>', price_html)

    def yellowpages(self, page: int) -> str | None:
        path = self.fixtures / "yellowpages" / f"search-landscaping-page{page}.html"
        return path.read_text(encoding="utf-8") if path.exists() else None

    def google_maps(self) -> str:
        """The Maps script page (it routes /maps/search/ and /maps/place/ itself), or a block page."""
        page = {"consent": "consent.html", "sorry": "sorry.html"}.get(self.maps_block or "", "app.html")
        return (self.fixtures / "google_maps" / page).read_text(encoding="utf-8")

    def _site_page(self, name: str) -> str:
        return (self.fixtures / "sites" / name).read_text(encoding="utf-8")

    def _business_page(self, path: str) -> tuple[int, str, str]:
        """A small business's own website (for website enrichment): /biz/<name>/[page]."""
        name, _, page = path.removeprefix("/biz/").partition("/")
        target = self.fixtures / "sites" / name / f"{page or 'index'}.html"
        if (
            not BUSINESS_PART_RE.match(name)
            or not BUSINESS_PART_RE.match(page or "index")
            or not target.exists()
        ):
            return 404, "text/plain", "not found"
        return 200, "text/html; charset=utf-8", target.read_text(encoding="utf-8")

    def route(self, raw_path: str) -> tuple[int, str, str]:
        """(status, content type, body) for a request path."""
        parts = urlsplit(raw_path)
        params = parse_qs(parts.query)
        if parts.path == "/robots.txt":
            return (
                (200, "text/plain", self.robots) if self.robots is not None else (404, "text/plain", "none")
            )
        if parts.path.startswith("/search/"):
            offset = int(params.get("s", ["0"])[0] or 0)
            return 200, "text/html; charset=utf-8", self.craigslist_search(offset)
        if parts.path == "/search":
            body = self.yellowpages(int(params.get("page", ["1"])[0] or 1))
            return (200, "text/html; charset=utf-8", body) if body else (404, "text/plain", "no such page")
        if parts.path.startswith("/maps/"):
            return 200, "text/html; charset=utf-8", self.google_maps()
        if parts.path == "/directory":
            return 200, "text/html; charset=utf-8", self._site_page("directory.html")
        if parts.path.startswith("/biz/"):
            return self._business_page(parts.path)
        match = POSTING_PATH_RE.search(parts.path)
        if match and match.group(1) in self.gone:
            return 404, "text/plain", "This posting has been deleted by its author."
        if match:
            return 200, "text/html; charset=utf-8", self.craigslist_posting(match.group(1), parts.path)
        return 404, "text/plain", "not found"


def serve(site: Routed, port: int = 0, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Start serving ``site`` on a loopback ``host`` in a daemon thread; returns the server."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            site.log(self.path, self.headers.get("User-Agent", ""))
            status, content_type, body = site.route(self.path)
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:  # keep test and demo output quiet
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True, name="sample-site").start()
    return server
