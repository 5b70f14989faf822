"""The bundled sample (`leadq scrape --sample`): a small Craigslist and its businesses' websites.

A first run must show the real product on any machine, with or without
internet: a Craigslist-shaped search of a few local businesses whose postings
link to their own websites, which enrichment crawls and the audit measures.
Everything comes from package data (``sample_data/``), so it works from an
installed wheel, and is served in this process on loopback addresses only.

Each business website gets a loopback address of its own (127.0.0.2, 127.0.0.3,
...): leads merge on the website's domain, so websites sharing 127.0.0.1 would
all merge into one lead. Linux routes all of 127.0.0.0/8 to the loopback device.
"""

from __future__ import annotations

import re
import time
import tomllib
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, FunctionLoader, select_autoescape

from leadq.errors import UserError
from leadq.scrape.samplesite import serve
from leadq.settings import Settings

SEARCH_PATH = "/search/sks"
POSTING_PATH_RE = re.compile(r"/(\d{5,20})\.html$")
#: The Craigslist stand-in's address; business websites take the next ones.
CRAIGSLIST_HOST = "127.0.0.1"
#: The Craigslist site the sample's leads are filed under.
SAMPLE_SITE = "sfbay"
#: Requests per second to each sample host: it is in this process, so no need for 1/s politeness.
SAMPLE_RATE_LIMIT = 50


def _data(name: str) -> str:
    return resources.files("leadq.scrape").joinpath("sample_data", name).read_text(encoding="utf-8")


_templates = Environment(
    loader=FunctionLoader(_data), autoescape=select_autoescape(default=True, default_for_string=True)
)


def load_sample() -> dict[str, Any]:
    """The sample's listings and websites (``sample_data/businesses.toml``)."""
    return tomllib.loads(_data("businesses.toml"))


@dataclass
class CraigslistStandIn:
    """The search page and one posting per listing; postings link to the business websites."""

    listings: list[dict[str, Any]]
    #: site key -> that business website's base URL, filled in once the servers are up.
    websites: dict[str, str] = field(default_factory=dict)

    def log(self, path: str, user_agent: str) -> None:
        """Nothing to record: the sample is for people, not for tests of politeness."""

    def route(self, raw_path: str) -> tuple[int, str, str]:
        parts = urlsplit(raw_path)
        path = parts.path
        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nDisallow: /reply/\n"
        if path.startswith("/search/"):
            # One page holds every listing; a later page (offset s > 0) is empty.
            later = parse_qs(parts.query).get("s", ["0"])[0].strip("0")
            listings = [] if later else self.listings
            return (
                200,
                "text/html; charset=utf-8",
                _templates.get_template("search.html.j2").render(listings=listings),
            )
        match = POSTING_PATH_RE.search(path)
        listing = next((item for item in self.listings if match and item["pid"] == match.group(1)), None)
        if listing is None:
            return 404, "text/plain", "This posting has been deleted by its author."
        page = _templates.get_template("posting.html.j2").render(
            listing=listing, website=self.websites.get(listing.get("site", ""))
        )
        return 200, "text/html; charset=utf-8", page


@dataclass
class BusinessWebsite:
    """One small business's own website: a home page, a contact page, a stylesheet and a script."""

    site: dict[str, Any]
    phone: str

    def log(self, path: str, user_agent: str) -> None:
        """Nothing to record (see ``CraigslistStandIn.log``)."""

    def route(self, raw_path: str) -> tuple[int, str, str]:
        path = urlsplit(raw_path).path.rstrip("/") or "/"
        if path in ("/", "/contact"):
            page = _templates.get_template("site.html.j2").render(
                site=self.site, phone=self.phone, page="contact" if path == "/contact" else "home"
            )
            return 200, "text/html; charset=utf-8", page
        if path == "/style.css":
            return 200, "text/css", "body{font-family:serif;margin:2em}nav a{margin-right:1em}"
        if path == "/app.js":
            # A slow render-blocking script, as on many small-business sites: the audit sees it.
            time.sleep(self.site["script_delay_ms"] / 1000)
            return 200, "application/javascript", "document.documentElement.dataset.ready = '1';"
        return 404, "text/plain", "not found"


@dataclass
class RunningSample:
    """The started sample: where to scrape, and every origin it serves."""

    base_url: str
    #: Exact origins (scheme://host:port) of the sample's servers: the only private
    #: addresses the sample run may reach.
    origins: list[str]
    servers: list[ThreadingHTTPServer]

    def settings(self, settings: Settings) -> Settings:
        """``settings`` for a run against the sample: its origins (and only those) may be
        private addresses, its local servers need no 1 request/s politeness, and audits run
        in the local engine (PageSpeed Insights, at Google, cannot reach loopback websites)."""
        return settings.model_copy(
            update={
                "private_origins": [*settings.private_origins, *self.origins],
                "scrape_rate_limit": max(settings.scrape_rate_limit, SAMPLE_RATE_LIMIT),
                "pagespeed_engine": "local",
            }
        )

    def close(self) -> None:
        _close(self.servers)


def start_sample() -> RunningSample:
    """Serve the Craigslist stand-in on 127.0.0.1 and each business website on 127.0.0.N."""
    data = load_sample()
    listings = data["listing"]
    craigslist = CraigslistStandIn(listings)
    servers: list[ThreadingHTTPServer] = []
    host = CRAIGSLIST_HOST
    try:
        servers.append(serve(craigslist, 0, host))
        for number, (key, site) in enumerate(data["site"].items(), start=2):
            host = f"127.0.0.{number}"
            phone = next(item["phone"] for item in listings if item.get("site") == key)
            servers.append(serve(BusinessWebsite(site, phone), 0, host))
            craigslist.websites[key] = _url(servers[-1]) + "/"
    except OSError as exc:
        _close(servers)
        raise UserError(
            f"cannot serve the bundled sample on {host}: {exc.strerror or exc} "
            "(it uses the loopback addresses 127.0.0.1 to 127.0.0.5, as Linux provides)"
        ) from None
    origins = [_url(server) for server in servers]
    return RunningSample(base_url=origins[0], origins=origins, servers=servers)


def _close(servers: list[ThreadingHTTPServer]) -> None:
    for server in servers:
        server.shutdown()
        server.server_close()


def _url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"
