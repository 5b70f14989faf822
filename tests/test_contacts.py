"""Phones, emails, URLs and website domains: one edge case at a time."""

from __future__ import annotations

from leadq.contacts import (
    clean_email,
    deobfuscate,
    find_emails,
    find_phones,
    find_urls,
    normalize_phone,
    valid_address,
    website_domain,
)


def test_bracketed_at_and_dot_become_an_address_but_prose_does_not():
    assert deobfuscate("name [at] domain [dot] com") == "name@domain.com"
    assert deobfuscate("name(AT)domain{dot}co") == "name@domain.co"
    assert find_emails("meet us at the office dot com, or (at) 5pm") == []


def test_image_names_placeholders_and_malformed_addresses_are_not_emails():
    junk = ("logo@2x.png", "you@example.com", "a..b@c.com", "x@y")

    assert [clean_email(text) for text in junk] == [None] * len(junk)
    assert clean_email(" Jane.Doe+Quotes@Harbor.co.uk. ") == "jane.doe+quotes@harbor.co.uk"


def test_a_version_tag_or_a_dotless_domain_in_text_is_not_an_address():
    assert find_emails("built by leadq@0.1.0, write to ops@intranet") == []


def test_an_overlong_local_part_is_not_cut_into_an_address():
    assert find_emails("a" * 65 + "@harbor.com") == []


def test_repeated_addresses_are_listed_once_in_page_order():
    assert find_emails("b@x.com a@x.com B@X.com") == ["b@x.com", "a@x.com"]


def test_a_typed_mailbox_may_hold_an_apostrophe_but_not_two_addresses():
    assert valid_address("O'Brien@Harbor.COM") == "O'Brien@harbor.com"
    assert valid_address("a@x.com, b@x.com") is None
    assert valid_address("a@localhost") is None


def test_phones_inside_longer_digit_runs_and_invalid_numbers_are_skipped():
    assert find_phones("order 1234617555014299 and 555-0100", "US") == []
    assert find_phones("call 617-555-0142, text 617-555-0142", "US") == ["+16175550142"]


def test_a_phone_reads_in_the_default_region_unless_told_otherwise():
    assert normalize_phone("(617) 555-0142") == "+16175550142"
    assert normalize_phone("020 7946 0958", "GB") == "+442079460958"
    assert normalize_phone(None) is None and normalize_phone("call me") is None


def test_urls_lose_trailing_punctuation_and_repeats():
    text = "see https://harbor.com/a. or https://harbor.com/a, (http://b.example/x)"

    assert find_urls(text) == ["https://harbor.com/a", "http://b.example/x"]


def test_www_and_case_do_not_make_another_site_and_a_dotless_host_is_no_domain():
    assert website_domain("https://WWW.Example.com:8080/x") == "example.com"
    assert website_domain("harbor-landscaping.com/contact") == "harbor-landscaping.com"
    not_domains = (None, "", "N/A", "http://localhost:8000/", "http://[x")
    assert [website_domain(text) for text in not_domains] == [None] * len(not_domains)
