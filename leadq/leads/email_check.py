"""Is a lead's address worth mailing? Syntax, normalisation and the domain's mail records.

email-validator does the work: RFC 5322/6531 syntax, the normalised form
(lower-cased, IDNA domain), special-use domains that never take mail
(``.invalid``, ``.localhost``...), and a deliverability lookup: MX records,
else an A/AAAA record (RFC 5321's implicit MX), and a null MX or a reject-all
SPF record as "takes no mail". A typo'd domain bounces every message sent to
it, and bounces count against the sender's reputation, so such an address is
skipped before it joins an audience.

Lookups are cached per domain for the checker's life (one audience), so a
thousand leads at gmail.com cost one query. A lookup that cannot answer
(timeout, no name server) lets the address through: an outage of our own DNS
says nothing about the lead's domain.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import dns.nameserver
import dns.resolver
from email_validator import EmailNotValidError, EmailUndeliverableError, validate_email
from email_validator.deliverability import validate_email_deliverability

from leadq.errors import ConfigError


@dataclass(frozen=True)
class EmailVerdict:
    """An address checked: ``address`` (normalised) when usable, else ``reason``."""

    address: str | None
    reason: str | None = None


def make_resolver(servers: list[str], *, timeout: float) -> dns.resolver.Resolver:
    """A resolver on ``servers`` ("host" or "host:port"), or the system's when empty."""
    if not servers:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [_nameserver(server) for server in servers]
    resolver.lifetime = timeout
    resolver.timeout = timeout
    return resolver


def _nameserver(server: str) -> dns.nameserver.Nameserver:
    # One colon: IPv4 with a port; more: a bare IPv6 address.
    host, port = server.rsplit(":", 1) if server.count(":") == 1 else (server, "53")
    try:
        ipaddress.ip_address(host)
        return dns.nameserver.Do53Nameserver(host, int(port))
    except ValueError:
        raise ConfigError(
            f"LEADQ_DNS_SERVERS: {server!r} is not an IP address with an optional :port"
        ) from None


class EmailChecker:
    """Checks addresses, looking each domain up once."""

    def __init__(self, *, deliverability: bool, resolver: dns.resolver.Resolver | None = None) -> None:
        self.deliverability = deliverability
        self.resolver = resolver
        self._domains: dict[str, str | None] = {}

    @classmethod
    def from_settings(cls, settings) -> EmailChecker:
        if not settings.email_check_deliverability:
            return cls(deliverability=False)
        return cls(
            deliverability=True, resolver=make_resolver(settings.dns_servers, timeout=settings.dns_timeout)
        )

    def check(self, address: str) -> EmailVerdict:
        try:
            info = validate_email(address, check_deliverability=False)
        except EmailNotValidError as exc:
            return EmailVerdict(None, f"invalid address: {exc}")
        if self.deliverability:
            reason = self._domain_problem(info.ascii_domain)
            if reason:
                return EmailVerdict(None, f"undeliverable: {reason}")
        return EmailVerdict(info.normalized)

    def _domain_problem(self, domain: str) -> str | None:
        if domain not in self._domains:
            try:
                validate_email_deliverability(domain, domain, dns_resolver=self.resolver)
                self._domains[domain] = None
            except EmailUndeliverableError as exc:
                self._domains[domain] = str(exc)
        return self._domains[domain]
