"""HTTP for untrusted URLs: one client shared by sources, enrichment and audits.

Lead URLs come from scraped pages, so they are hostile until checked: only
http(s), and never a host that resolves to a private, loopback, link-local or
reserved address unless ``allow_private_urls`` is set (tests, LAN demos). The
check runs again on every redirect hop.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
from urllib.parse import urljoin, urlsplit

import requests

from leadq.errors import PermanentError, TransientError, UrlRefused
from leadq.settings import Settings


def check_url(url: str, *, allow_private: bool) -> str:
    """Return ``url`` if leadq may fetch it, else raise ``UrlRefused``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UrlRefused(f"refusing {url!r}: only http and https URLs are fetched")
    host = parts.hostname
    if not host:
        raise UrlRefused(f"refusing {url!r}: no host")
    if allow_private:
        return url
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise PermanentError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise UrlRefused(
                f"refusing {url!r}: {host} resolves to non-public address {address} "
                "(set LEADQ_ALLOW_PRIVATE_URLS=1 to allow)"
            )
    return url


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a Retry-After header: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def raise_for_status(response: requests.Response) -> requests.Response:
    """Map an HTTP status onto leadq's error families; return 2xx/3xx responses."""
    status = response.status_code
    if status == 429 or status >= 500:
        raise TransientError(
            f"HTTP {status} from {response.url}",
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if status >= 400:
        raise PermanentError(f"HTTP {status} from {response.url}")
    return response


class HttpClient:
    """A requests session with leadq's User-Agent, timeouts and URL guard."""

    def __init__(self, settings: Settings, *, guard: bool = True) -> None:
        self.settings = settings
        self.guard = guard
        self.session = requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self.timeout = (settings.http_connect_timeout, settings.http_read_timeout)
        self.session.hooks["response"].append(self._check_redirect)

    def _check_redirect(self, response: requests.Response, *args, **kwargs) -> None:
        if self.guard and response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            check_url(target, allow_private=self.settings.allow_private_urls)

    def get(self, url: str, **kwargs) -> requests.Response:
        """GET ``url``; network failures are transient, HTTP errors typed."""
        if self.guard:
            check_url(url, allow_private=self.settings.allow_private_urls)
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.session.get(url, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransientError(f"cannot fetch {url}: {type(exc).__name__}") from None
        except requests.TooManyRedirects:
            raise PermanentError(f"too many redirects from {url}") from None
        return raise_for_status(response)

    def close(self) -> None:
        self.session.close()
