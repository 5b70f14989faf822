"""extract_signals on the fixture pages, exact values, and on hostile input."""

from __future__ import annotations

import time

from hypothesis import example, given, settings
from hypothesis import strategies as st

from leadq.enrich.extract import PageSignals, extract_signals

BASE = "http://www.harbor-landscaping.com"


def test_the_home_page_yields_its_contact_details_cms_and_outdated_copyright(fixture_page):
    signals = extract_signals(fixture_page("index.html"), f"{BASE}/")

    assert signals == PageSignals(
        url=f"{BASE}/",
        title="Harbor Landscaping – Boston Lawn Care",
        emails=["info@harbor-landscaping.com"],
        phones=["+16175550142"],
        social={
            "facebook": "https://www.facebook.com/harborlandscaping",
            "instagram": "https://instagram.com/harbor.landscaping/",
        },
        contact_form=False,
        generator="WordPress 5.2.4",
        cms="WordPress",
        copyright_year=2012,
        viewport="width=device-width, initial-scale=1",
        mobile_viewport=True,
        internal_links=[
            f"{BASE}/",
            f"{BASE}/services/",
            f"{BASE}/about/",
            f"{BASE}/contact/",
            f"{BASE}/moved",
            f"{BASE}/missing/",
            f"{BASE}/price-list.txt",
        ],
    )


def test_the_contact_page_decodes_obfuscated_addresses_and_drops_image_names(fixture_page):
    signals = extract_signals(fixture_page("contact.html"), f"{BASE}/contact/")

    assert signals.emails == [
        "office@harbor-landscaping.com",
        "jane@harbor-landscaping.com",
        "bookings@harbor-landscaping.com",
        "harborlandscaping@gmail.com",
    ]
    assert signals.phones == ["+16175550188", "+16175550199"]
    assert signals.contact_form is True
    assert signals.social == {"yelp": "https://www.yelp.com/biz/harbor-landscaping-boston"}
    assert signals.cms is None


def test_the_about_page_keeps_profiles_but_not_share_buttons_and_rejects_a_fixed_viewport(fixture_page):
    signals = extract_signals(fixture_page("about.html"), f"{BASE}/about/")

    assert signals.social == {
        "linkedin": "https://www.linkedin.com/company/harbor-landscaping",
        "youtube": "https://www.youtube.com/@harborlandscaping",
        "twitter": "https://twitter.com/harborlawns",
    }
    assert signals.copyright_year == 2011
    assert signals.viewport == "width=1024"
    assert signals.mobile_viewport is False
    assert signals.phones == []  # "since 2009", "12345 happy lawns" are not numbers
    assert signals.emails == []


def test_wordpress_is_recognised_from_its_asset_paths_without_a_generator_tag(fixture_page):
    signals = extract_signals(fixture_page("services.html"), f"{BASE}/services/")

    assert (signals.generator, signals.cms) == (None, "WordPress")
    assert signals.phones == ["+16175550177"]
    assert signals.social == {"tiktok": "https://www.tiktok.com/@harborlandscaping"}
    assert signals.internal_links == [f"{BASE}/book"]  # and not the PDF


def test_phone_numbers_are_read_in_the_given_region():
    html = "<p>Ring 030 1234567 or 020 7946 0958</p>"

    assert extract_signals(html, BASE, region="DE").phones == ["+49301234567"]
    assert extract_signals(html, BASE, region="GB").phones == ["+442079460958"]


def test_links_to_www_and_bare_host_count_as_one_site():
    html = (
        '<a href="https://harbor-landscaping.com/a">a</a><a href="https://shop.harbor-landscaping.com/">b</a>'
    )

    assert extract_signals(html, f"{BASE}/").internal_links == ["https://harbor-landscaping.com/a"]


def test_copyright_notices_give_their_latest_year():
    html = "<footer>Copyright &copy; 2009 &ndash; 2016 Acme. (c) 2014 Other. © 20155</footer>"

    assert extract_signals(html, BASE).copyright_year == 2016


ADVERSARIAL = {
    "letters": "a" * 200_000,
    "at signs": "a@" * 100_000,
    "almost addresses": "x@x." * 50_000,
    "long local part": "a" * 199_990 + "@b.com",
    "obfuscations": "a [at] " * 30_000,
    "digits and spaces": "1 " * 100_000,
    "phone-like runs": "555-1234 " * 22_000,
    "parentheses": "(" * 200_000,
    "copyright signs": "© " * 100_000,
    "unclosed tags": "<a href='mailto:" * 12_000,
    "links": "<a href=/x>" * 18_000,
    "distinct links": "".join(f"<a href=/{i}>" for i in range(20_000)),
}


def test_200_kb_adversarial_strings_parse_in_well_under_a_second():
    # About 0.1 s each on an idle machine; catastrophic backtracking takes minutes. The
    # best of three runs, so that another test's Chromium burst on a loaded machine is
    # not taken for a slow pattern.
    for name, text in ADVERSARIAL.items():
        best = min(_seconds_to_extract(text) for _ in range(3))
        assert best < 1.0, f"{name}: {best:.2f} s"


def _seconds_to_extract(text: str) -> float:
    started = time.perf_counter()
    extract_signals(text, BASE)
    return time.perf_counter() - started


FRAGMENTS = st.sampled_from(
    [
        "<a href='",
        "mailto:",
        "tel:",
        "'>",
        "</a>",
        "@",
        "[at]",
        "(dot)",
        ".com",
        "©",
        "2012",
        "-",
        "<form>",
        "<textarea>",
        "<meta name=generator content=",
        "<meta name=viewport content=",
        "<title>",
        "https://facebook.com/",
        "http://[",
        "<",
        ">",
        "&#",
        "\x00",
        "+1 617 555 0142",
        " ",
    ]
)


@settings(max_examples=200, deadline=None)
@example("<meta name=generator content><a href>x</a><span data-cfemail>")  # attributes without values
@given(st.one_of(st.text(), st.lists(st.one_of(FRAGMENTS, st.text(max_size=5))).map("".join)))
def test_arbitrary_text_never_crashes_the_extractor(html):
    signals = extract_signals(html, f"{BASE}/")

    assert all("@" in address and address == address.lower() for address in signals.emails)
    assert all(phone.startswith("+") for phone in signals.phones)
    assert signals.copyright_year is None or 1900 <= signals.copyright_year <= 2099
