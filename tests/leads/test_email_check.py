"""The lead email check against a real DNS server on loopback."""

from __future__ import annotations

import pytest

from leadq.errors import ConfigError
from leadq.leads.email_check import EmailChecker, make_resolver
from leadq.settings import Settings


def checker(dns) -> EmailChecker:
    return EmailChecker(deliverability=True, resolver=make_resolver([dns.address], timeout=2))


def test_an_address_on_a_domain_with_mx_is_normalised_and_kept(local_dns):
    verdict = checker(local_dns).check("Owner@SHOP.example")
    assert (verdict.address, verdict.reason) == ("Owner@shop.example", None)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("owner@typo.example", "undeliverable: The domain name typo.example does not exist."),
        ("owner@nomail.example", "undeliverable: The domain name nomail.example does not accept email."),
        ("owner@nullmx.example", "undeliverable: The domain name nullmx.example does not accept email."),
        ("owner@shop.invalid", "invalid address: The part after the @-sign is a special-use"),
        ("owner@@shop.example", "invalid address:"),
    ],
)
def test_a_domain_that_does_not_exist_or_takes_no_mail_is_undeliverable(local_dns, address, reason):
    verdict = checker(local_dns).check(address)
    assert verdict.address is None and verdict.reason.startswith(reason)


def test_a_domain_with_only_an_a_record_takes_mail_there(local_dns):
    assert checker(local_dns).check("owner@webonly.example").address == "owner@webonly.example"


def test_each_domain_is_looked_up_once(local_dns):
    check = checker(local_dns)
    for n in range(20):
        assert check.check(f"owner{n}@gmail.example").address
        assert check.check(f"owner{n}@typo.example").address is None
    assert (local_dns.resolver.queries["gmail.example"], local_dns.resolver.queries["typo.example"]) == (1, 1)


def test_a_resolver_that_does_not_answer_lets_the_address_through():
    # A UDP port nobody listens on: the lookup fails, which says nothing about the lead's domain.
    silent = EmailChecker(deliverability=True, resolver=make_resolver(["127.0.0.1:9"], timeout=0.5))
    assert silent.check("owner@shop.example").address == "owner@shop.example"


def test_settings_build_the_resolver_and_reject_a_server_that_is_no_ip_address(local_dns):
    built = EmailChecker.from_settings(
        Settings(email_check_deliverability=True, dns_servers=[local_dns.address])
    )
    assert built.check("a@typo.example").address is None
    assert not EmailChecker.from_settings(Settings(email_check_deliverability=False)).deliverability
    with pytest.raises(ConfigError, match="LEADQ_DNS_SERVERS"):
        make_resolver(["dns.example:53"], timeout=1)
