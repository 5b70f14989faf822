"""Polite fetching, in one place for every source: robots.txt, per-host rate limit, typed errors.

Every page a source reads goes through ``PoliteFetcher.get_text`` (plain
HTTP) or ``PoliteFetcher.render`` (headless Chromium, for pages built by
JavaScript): robots.txt is honoured unless the user passed ``--ignore-robots``,
read as RFC 9309 says (Protego: ``*`` and ``$`` patterns, the longest matching
rule wins) -- ``urllib.robotparser`` ignores both and lets rule order decide;
page loads to one host are limited (default 1/s) through the core's
distributed rate limiter, so two workers on two machines share the budget;
User-Agent, timeouts, the URL guard and the transient/permanent error split
come from ``leadq.net.HttpClient`` (and ``leadq.sources.browser`` for Chromium).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from protego import Protego

from leadq.core.ratelimit import rate_limit
from leadq.errors import Deferred, PermanentError, UsageError, UserError
from leadq.net import HttpClient
from leadq.settings import Settings
from leadq.sources.browser import Browser

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

log = logging.getLogger(__name__)

#: Seconds a host's robots.txt is trusted before it is read again.
ROBOTS_TTL = 3600.0

Limiter = Callable[..., AbstractContextManager]
Rendered = TypeVar("Rendered")


@contextmanager
def waiting_rate_limit(key: str, *, limit: int, per: float = 1.0) -> Iterator[None]:
    """The same per-host limit for one-off fetches outside a job (`leadq scrape parse URL`):
    sleeps until a slot is free instead of deferring a job that does not exist."""
    while True:
        try:
            with rate_limit(key, limit=limit, per=per):
                yield
                return
        except Deferred as exc:
            time.sleep(exc.delay / 1000)


class RobotsDisallowed(PermanentError):
    """robots.txt of the site forbids leadq's User-Agent to fetch this URL."""


def host_key(url: str) -> str:
    """The rate-limit key of ``url``: one budget per scheme + host + port."""
    parts = urlsplit(url)
    return f"host:{parts.hostname}:{parts.port or ''}"


class PoliteFetcher:
    """Fetch pages for one scrape, politely. Not shared across threads' scrapes."""

    _robots_cache: dict[str, tuple[float, Protego]] = {}
    _robots_lock = threading.Lock()

    def __init__(
        self,
        settings: Settings,
        *,
        ignore_robots: bool = False,
        client: HttpClient | None = None,
        limiter: Limiter = rate_limit,
        trusted_origin: str | None = None,
    ) -> None:
        self.settings = settings
        self.respect_robots = settings.scrape_respect_robots and not ignore_robots
        # The source's own base URL was configured by the user (e.g. the offline
        # sample site on 127.0.0.1), so that exact origin may be private; its
        # redirects elsewhere, and lead URLs, get the full guard.
        self.trusted_origins = (trusted_origin,) if trusted_origin else ()
        self.client = client or HttpClient(settings, trusted_origins=self.trusted_origins)
        self.limiter = limiter
        self.requests = 0
        self._browser: Browser | None = None

    def get_text(self, url: str) -> str:
        """The page at ``url`` as text, after the robots check and the per-host limit."""
        self._check_robots(url)
        response = self._get(url)
        return response.text

    def render(self, url: str, read: Callable[[WebDriver], Rendered]) -> Rendered:
        """Load ``url`` in headless Chromium and return ``read(driver)`` (wait, scroll, page source).

        Same robots check and per-host limit as ``get_text``, counted per page
        load. The browser starts on the first load (after the limiter, so a
        deferred job never pays for a browser) and lives until ``close()``.
        """
        url = self.client.check(url)
        self._check_robots(url)
        with self._slot(url):
            if self._browser is None:
                self._browser = Browser(self.settings, trusted_origins=self.trusted_origins)
            driver = self._browser.load(url)
        return read(driver)

    def _check_robots(self, url: str) -> None:
        if self.respect_robots and not self._robots(url).can_fetch(url, self.settings.user_agent):
            raise RobotsDisallowed(f"robots.txt of {urlsplit(url).netloc} disallows {url}")

    @contextmanager
    def _slot(self, url: str) -> Iterator[None]:
        with self.limiter(
            host_key(url), limit=self.settings.scrape_rate_limit, per=self.settings.scrape_rate_window
        ):
            self.requests += 1
            yield

    def _get(self, url: str):
        with self._slot(url):
            return self.client.get(url)

    def _robots(self, url: str) -> Protego:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        now = time.monotonic()
        with self._robots_lock:
            cached = self._robots_cache.get(robots_url)
        if cached and now - cached[0] < ROBOTS_TTL:
            return cached[1]
        try:
            parser = Protego.parse(self._get(robots_url).text)
        except PermanentError:
            # RFC 9309: an unavailable (4xx) robots.txt means no restrictions.
            parser = Protego.parse("")
        with self._robots_lock:
            self._robots_cache[robots_url] = (now, parser)
        return parser

    @classmethod
    def forget_robots(cls) -> None:
        """Drop cached robots.txt files (tests that change them between runs)."""
        with cls._robots_lock:
            cls._robots_cache.clear()

    def close(self) -> None:
        """Release connections and quit the browser, if one was started (call in ``finally``)."""
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        self.client.close()


def check_reachable(url: str, settings: Settings) -> None:
    """Raise a one-line ``UserError`` when ``url``'s host cannot be reached at all.

    Run before an embedded scrape: without it a laptop with no network would
    spend minutes in retries before saying anything.
    """
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:  # "Port out of range", not a number
        raise UsageError(f"not a valid URL {url!r}: {exc}") from None
    try:
        socket.create_connection((parts.hostname, port), timeout=settings.http_connect_timeout).close()
    except OSError as exc:
        reason = "name resolution failed" if isinstance(exc, socket.gaierror) else (exc.strerror or str(exc))
        raise UserError(
            f"cannot reach {parts.hostname}:{port} ({reason}); check the network, or scrape offline: "
            "try the bundled sample with --sample, or run scripts/sample-site and pass --base-url"
        ) from None
