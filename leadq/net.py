"""HTTP for untrusted URLs: one client shared by sources, enrichment and audits.

Lead URLs come from scraped pages, so they are hostile until checked: only
http(s), and never a host that resolves to a private, loopback, link-local or
reserved address (nor an IPv6 address embedding one: NAT64, 6to4, Teredo,
IPv4-mapped) unless ``allow_private_urls`` is set (tests, LAN demos). The
check runs again on every redirect hop, and ``HttpClient`` checks the address
each connection actually reached: a hostile DNS server can answer the check
with a public address and the connection with a private one (DNS rebinding).

URLs are read with the WHATWG URL Standard's rules (``ada-url``, the parser
Node.js uses), the ones Chromium follows, so the host checked is the host a
browser goes to. Chromium itself goes through ``leadq.egress_proxy``.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

import ada_url
import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from leadq.errors import PermanentError, TransientError, UrlRefused
from leadq.settings import Settings

#: Address families that carry an IPv4 address inside an IPv6 one: the verdict is the
#: embedded address's (a NAT64 gateway or 6to4 relay would forward to it).
NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: RFC 8215 local-use NAT64: a site's own translator, so never public.
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
ALLOW_HINT = "set LEADQ_ALLOW_PRIVATE_URLS=1 to allow"


@dataclass(frozen=True)
class WebUrl:
    """An http(s) URL as a browser reads it (WHATWG URL Standard, through ada).

    ``host`` is ASCII (IDNA applied), IPv6 without brackets and IPv4 in dotted
    form whatever the URL spelled (``0x7f.1``, ``2130706433``); ``port`` is
    always filled in; ``href`` is the serialised URL, what leadq then fetches.
    """

    href: str
    scheme: str
    host: str
    port: int
    #: Path and query, what an origin-form HTTP request line carries.
    path: str

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def is_ip_literal(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True


def parse_web_url(url: str) -> WebUrl:
    """Parse ``url`` exactly as Chromium will, or raise ``UrlRefused``.

    Python's ``urlsplit`` reads ``http://10.0.0.5\\@example.com/`` as host
    ``example.com`` where a browser goes to 10.0.0.5 (a backslash ends the host
    in special schemes), and it knows nothing of IPv4 shorthand, hex, octal or
    IDNA: every check uses this parser instead.
    """
    try:
        parsed = ada_url.URL(url.strip())
    except ValueError:
        raise UrlRefused(f"refusing {url!r}: not a valid URL") from None
    scheme = parsed.protocol.rstrip(":")
    if scheme not in ("http", "https"):
        raise UrlRefused(f"refusing {url!r}: only http and https URLs are fetched")
    host = parsed.hostname.strip("[]")
    if not host:
        raise UrlRefused(f"refusing {url!r}: no host")
    port = int(parsed.port) if parsed.port else (443 if scheme == "https" else 80)
    return WebUrl(
        href=parsed.href, scheme=scheme, host=host, port=port, path=(parsed.pathname or "/") + parsed.search
    )


def url_origin(url: str) -> str:
    """``scheme://host:port`` of ``url`` as a browser reads it (port always given)."""
    return parse_web_url(url).origin


def check_url(url: str, *, allow_private: bool, trusted_origins: Iterable[str] = ()) -> str:
    """The browser-normalised ``url`` if leadq may fetch it, else raise ``UrlRefused``.

    ``trusted_origins`` (as ``url_origin`` gives them) are sites the user
    configured, such as a source's base URL: only those exact origins may be
    private. Fetch the returned URL, not ``url``: it is the one checked.
    """
    target = parse_web_url(url)
    if not allow_private and target.origin not in set(trusted_origins):
        resolve_public(target.host, target.port, f"refusing {url!r}: {target.host}")
    return target.href


def addresses_for(
    host: str, port: int, *, allow_private: bool, trusted_origins: Iterable[str] = ()
) -> list[str]:
    """The addresses a connection to ``host:port`` may use, checked, else ``UrlRefused``.

    For a connection whose scheme is unknown (a proxy's ``CONNECT``): a trusted
    origin (a URL) lets its exact host and port be private.
    """
    trusted = {(url.host, url.port) for url in map(parse_web_url, trusted_origins)}
    if allow_private or (host, port) in trusted:
        return _resolve(host, port)
    return resolve_public(host, port, f"refusing {host}:{port}")


def resolve_public(host: str, port: int, refusal: str) -> list[str]:
    """Every address ``host`` resolves to, all of them public, else ``UrlRefused``.

    One resolution serves the check and the connection (the filtering proxy
    connects to these), so a DNS server cannot answer the two differently.
    """
    addresses = _resolve(host, port)
    for address in addresses:
        refuse_non_public(address, f"{refusal} resolves to")
    return addresses


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise PermanentError(f"cannot resolve host {host!r}: {reason}") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def non_public_reason(address: str) -> str | None:
    """Why ``address`` is not a public unicast address, or None when it is.

    IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4,
    Teredo) are judged by the IPv4 address, which is where they lead.
    """
    ip = ipaddress.ip_address(address.split("%")[0])
    if not ip.is_global or ip.is_multicast:
        return f"non-public address {ip}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in LOCAL_NAT64:
            return f"non-public address {ip} (local-use NAT64)"
        for embedded in _embedded_ipv4(ip):
            if not embedded.is_global or embedded.is_multicast:
                return f"non-public address {ip} (embeds {embedded})"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in found if address is not None]


def refuse_non_public(address: str, refusal: str) -> None:
    """Raise ``UrlRefused`` (message starting with ``refusal``) unless ``address`` is public."""
    reason = non_public_reason(address)
    if reason:
        raise UrlRefused(f"{refusal} {reason} ({ALLOW_HINT})")


class _PublicPeerOnly:
    """urllib3 connection mixin: close a socket that reached a non-public address.

    ``trusted_origins`` (set per client on a subclass) may reach any address:
    only a connection to exactly that scheme, host and port is exempt.
    """

    trusted_origins: frozenset[str] = frozenset()

    def _new_conn(self):
        sock = super()._new_conn()
        scheme = "https" if isinstance(self, HTTPSConnection) else "http"
        origin = f"{scheme}://{self.host.lower()}:{self.port or self.default_port}"
        if origin in self.trusted_origins:
            return sock
        try:
            refuse_non_public(sock.getpeername()[0], f"refusing {self.host}: connected to")
        except UrlRefused:
            sock.close()
            raise
        return sock


class _PublicHTTPConnection(_PublicPeerOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicPeerOnly, HTTPSConnection):
    pass


class _PublicOnlyAdapter(HTTPAdapter):
    """Direct connections go only to public addresses, or to the client's trusted origins
    (through a proxy, the proxy resolves)."""

    def __init__(self, trusted_origins: frozenset[str]) -> None:
        self.trusted_origins = trusted_origins  # read by init_poolmanager, which __init__ calls
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": self._pool(HTTPConnectionPool, _PublicHTTPConnection),
            "https": self._pool(HTTPSConnectionPool, _PublicHTTPSConnection),
        }

    def _pool(self, pool: type, connection: type) -> type:
        checked = type(connection.__name__, (connection,), {"trusted_origins": self.trusted_origins})
        return type(pool.__name__, (pool,), {"ConnectionCls": checked})


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
    """A requests session with leadq's User-Agent, timeouts and URL guard.

    ``trusted_origins``: URLs whose exact origin the user configured (a
    source's base URL, and always ``settings.private_origins``) and which may
    therefore be private; a redirect from them anywhere else gets the full guard.
    """

    def __init__(
        self, settings: Settings, *, guard: bool = True, trusted_origins: Iterable[str] = ()
    ) -> None:
        self.settings = settings
        self.guard = guard
        self.trusted_origins = frozenset(
            url_origin(url) for url in (*settings.private_origins, *trusted_origins)
        )
        self.session = requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self.timeout = (settings.http_connect_timeout, settings.http_read_timeout)
        self.session.hooks["response"].append(self._check_redirect)
        if guard and not settings.allow_private_urls:
            adapter = _PublicOnlyAdapter(self.trusted_origins)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)

    def _check_redirect(self, response: requests.Response, *args, **kwargs) -> None:
        if self.guard and response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            self.check(target)

    def check(self, url: str) -> str:
        """``check_url`` with this client's settings and trusted origins."""
        return check_url(
            url, allow_private=self.settings.allow_private_urls, trusted_origins=self.trusted_origins
        )

    def get(self, url: str, **kwargs) -> requests.Response:
        """GET ``url``; network failures are transient, HTTP errors typed."""
        if self.guard:
            url = self.check(url)
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
