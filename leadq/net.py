"""HTTP for untrusted URLs: one client shared by sources, enrichment and audits.

Lead URLs come from scraped pages, so they are hostile until checked: only
http(s), and never a host that resolves to a private, loopback, link-local or
reserved address unless ``allow_private_urls`` is set (tests, LAN demos). The
check runs again on every redirect hop, and ``HttpClient`` checks the address
each connection actually reached: a hostile DNS server can answer the check
with a public address and the connection with a private one (DNS rebinding).
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

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
        _refuse_non_public(info[4][0], f"refusing {url!r}: {host} resolves to")
    return url


def _refuse_non_public(address: str, refusal: str) -> None:
    ip = ipaddress.ip_address(address.split("%")[0])
    if not ip.is_global or ip.is_multicast:
        raise UrlRefused(f"{refusal} non-public address {ip} (set LEADQ_ALLOW_PRIVATE_URLS=1 to allow)")


class _PublicPeerOnly:
    """urllib3 connection mixin: close a socket that reached a non-public address."""

    def _new_conn(self):
        sock = super()._new_conn()
        try:
            _refuse_non_public(sock.getpeername()[0], f"refusing {self.host}: connected to")
        except UrlRefused:
            sock.close()
            raise
        return sock


class _PublicHTTPConnection(_PublicPeerOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicPeerOnly, HTTPSConnection):
    pass


class _PublicHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    """Direct connections go only to public addresses (through a proxy, the proxy resolves)."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicHTTPConnectionPool,
            "https": _PublicHTTPSConnectionPool,
        }


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
        if guard and not settings.allow_private_urls:
            adapter = _PublicOnlyAdapter()
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)

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
