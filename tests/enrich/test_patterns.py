"""The text patterns behind the extractor, one edge case at a time."""

from __future__ import annotations

from leadq.enrich.patterns import clean_email, copyright_year, deobfuscate, find_emails, find_phones


def test_bracketed_at_and_dot_become_an_address_but_prose_does_not():
    assert deobfuscate("name [at] domain [dot] com") == "name@domain.com"
    assert deobfuscate("name(AT)domain{dot}co") == "name@domain.co"
    assert find_emails("meet us at the office dot com, or (at) 5pm") == []


def test_image_names_placeholders_and_malformed_addresses_are_not_emails():
    junk = ("logo@2x.png", "you@example.com", "a..b@c.com", "x@y")

    assert [clean_email(text) for text in junk] == [None] * len(junk)
    assert clean_email(" Jane.Doe+Quotes@Harbor.co.uk. ") == "jane.doe+quotes@harbor.co.uk"


def test_an_overlong_local_part_is_not_cut_into_an_address():
    assert find_emails("a" * 65 + "@harbor.com") == []


def test_repeated_addresses_are_listed_once_in_page_order():
    assert find_emails("b@x.com a@x.com B@X.com") == ["b@x.com", "a@x.com"]


def test_phones_inside_longer_digit_runs_and_invalid_numbers_are_skipped():
    assert find_phones("order 1234617555014299 and 555-0100", "US") == []
    assert find_phones("call 617-555-0142, text 617-555-0142", "US") == ["+16175550142"]


def test_a_page_without_a_copyright_notice_has_no_year():
    assert copyright_year("Founded 2009, renovated 2021") is None
