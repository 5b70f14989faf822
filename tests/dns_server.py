"""A real DNS server on loopback (dnslib) answering from a small zone, counting queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from dnslib import RCODE, RR
from dnslib.server import BaseResolver, DNSLogger, DNSServer

#: Zone lines in dnslib's text form. Names not listed are NXDOMAIN; a listed name
#: without a record of the asked type is an empty NOERROR answer.
ZONE = """
shop.example. 60 IN MX 10 mail.shop.example.
mail.shop.example. 60 IN A 203.0.113.10
gmail.example. 60 IN MX 5 mx.gmail.example.
nomail.example. 60 IN TXT "a site, no mail"
nullmx.example. 60 IN MX 0 .
webonly.example. 60 IN A 93.184.215.14
"""


class ZoneResolver(BaseResolver):
    def __init__(self, zone: str) -> None:
        self.records = RR.fromZone(zone)
        self.names = {str(record.rname).lower() for record in self.records}
        self.queries: Counter[str] = Counter()

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).lower()
        self.queries[name.rstrip(".")] += 1
        if name not in self.names:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        for record in self.records:
            if str(record.rname).lower() == name and record.rtype == request.q.qtype:
                reply.add_answer(record)
        return reply


class LocalDNS:
    def __init__(self, zone: str = ZONE) -> None:
        self.resolver = ZoneResolver(zone)
        self.server = DNSServer(
            self.resolver,
            address="127.0.0.1",
            port=0,
            logger=DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data"),
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server.server_address[1]}"


@pytest.fixture
def local_dns() -> Iterator[LocalDNS]:
    dns = LocalDNS()
    dns.server.start_thread()
    try:
        yield dns
    finally:
        dns.server.stop()
