"""Declarative TOML sources: validation errors are clear, selectors extract leads."""

from __future__ import annotations

import pytest

from leadq.errors import ConfigError, UserError
from leadq.settings import Settings
from leadq.sources.base import SearchQuery
from leadq.sources.declarative import DeclarativeSource, load_spec_file
from leadq.sources.registry import get_source

SPEC = """
name = "plumbdir"
list_url = "http://127.0.0.1:8125/find?q={query}&page={page}"
item = "article.biz"
[fields]
title = "h3"
url = "h3 a @href"
external_id = "@data-id"
phone = ".tel"
website = "a.www @href"
rating = ".stars @data-value"
[detail]
email = "a.mail @href"
address = "address"
"""

LIST_PAGE = """<html><body>
<article class="biz" data-id="p1"><h3><a href="/b/p1">Ace Plumbing</a></h3>
<span class="tel">(415) 555-0111</span>
<a class="www" href="https://ace.example">site</a><span class="stars" data-value="4.0"></span></article>
<article class="biz" data-id="p2"><h3><a href="/b/p2">Bolt &amp; Pipe</a></h3></article>
</body></html>"""


def write(tmp_path, text):
    path = tmp_path / "mysite.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_scrapes_list_and_detail_pages(tmp_path):
    spec = load_spec_file(write(tmp_path, SPEC))
    source = get_source("ignored", Settings(_env_file=None), spec)
    url = source.search_url(SearchQuery(query="plumbers sf"))
    assert url == "http://127.0.0.1:8125/find?q=plumbers+sf&page=1"
    result = source.parse_search(LIST_PAGE, url)
    assert [listing.external_id for listing in result.listings] == ["p1", "p2"]
    assert result.next_url == "http://127.0.0.1:8125/find?q=plumbers+sf&page=2"
    assert result.listings[0].url == "http://127.0.0.1:8125/b/p1"
    detail = "<html><body><address>1 Main St</address><a class='mail' href='mailto:Info@Ace.example'>x</a>"
    record = source.parse_detail(detail, result.listings[0].url, result.listings[0])
    assert (record.name, record.phones, record.emails) == (
        "Ace Plumbing",
        ["+14155550111"],
        ["info@ace.example"],
    )
    assert (record.website, record.rating, record.address) == ("https://ace.example", 4.0, "1 Main St")
    bare = source.parse_detail("<html></html>", result.listings[1].url, result.listings[1])
    assert (bare.name, bare.phones, bare.website, bare.rating) == ("Bolt & Pipe", [], None, None)


def test_an_empty_list_page_ends_the_walk(tmp_path):
    source = DeclarativeSource(load_spec_file(write(tmp_path, SPEC)))
    assert source.parse_search("<html></html>", "http://127.0.0.1:8125/find?q=x&page=3").next_url is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name = 'x'\nlist_url = 'http://h/'\nitem = 'li'\n[fields]\ncolour = 'b'",
            "fields.colour: unknown field",
        ),
        ("name = 'x'\nlist_url = 'ftp://h/'\nitem = 'li'\n[fields]\ntitle = 'b'", "list_url must be an http"),
        (
            "name = 'x'\nlist_url = 'http://h/{q}'\nitem = 'li'\n[fields]\ntitle = 'b'",
            "unknown placeholder {q}",
        ),
        ("name = 'x'\nlist_url = 'http://h/'\nitem = 'li[[['\n[fields]\ntitle = 'b'", "invalid CSS selector"),
        ("name = 'x'\nlist_url = 'http://h/'\nitem = 'li'\n[fields]\nphone = 'b'", "needs a title or name"),
        ("name = 'X Y'\nlist_url = 'http://h/'\nitem = 'li'\n[fields]\ntitle = 'b'", "name must be"),
        (
            "name = 'x'\nlist_url = 'http://h/'\nitem = 'li'\n[fields]\ntitle = 'b'\n[detail]\nemail = 'a'",
            "need fields.url",
        ),
        (
            "name = 'x'\nlist_url = 'http://h/'\nitem = 'li'\nitems = 'x'\n[fields]\ntitle = 'b'",
            "unknown key 'items'",
        ),
        ("name = 'x\nlist_url", "not valid TOML"),
    ],
)
def test_invalid_files_fail_with_a_message_naming_the_problem(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("[", r"\[")):
        load_spec_file(write(tmp_path, text))


def test_a_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_spec_file(tmp_path / "nope.toml")


def test_linkedin_is_refused_with_the_reason():
    with pytest.raises(UserError, match="login wall"):
        get_source("linkedin", Settings(_env_file=None))


def test_unknown_source_lists_the_known_ones():
    with pytest.raises(UserError, match="known: craigslist, google-maps, yellowpages"):
        get_source("myspace", Settings(_env_file=None))
