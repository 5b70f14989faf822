"""SEO and best-practices categories of the local engine, in real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from leadq.pagespeed.lab_categories import ACCESSIBILITY_ABSENT
from leadq.pagespeed.local import LocalEngine
from leadq.settings import Settings

from .conftest import LocalServer, Reply
from .pages import HEAD, HTML, TEXT, page, png

pytestmark = pytest.mark.chromium

GOOD_HEAD = HEAD + (
    '<link rel="canonical" href="{base}/good">'
    '<link rel="alternate" hreflang="en" href="{base}/good">'
    '<link rel="alternate" hreflang="x-default" href="{base}/good">'
)
GOOD_BODY = TEXT + (
    '<a href="/services">Our plumbing services</a> <a href="mailto:joe@example.com">Mail Joe</a>'
    '<img src="/photo.png" width="300" height="175" alt="Our van"><input name="phone">'
    '<img src="/photo.png" width="30" height="17" role="presentation">'
)
BAD_SEO_HEAD = (
    '<meta name="viewport" content="width=device-width"><meta name="robots" content="noindex">'
    '<link rel="alternate" hreflang="xx-bad" href="/fr"><link rel="canonical" href="/elsewhere">'
)
BAD_SEO_BODY = TEXT + (
    '<a href="javascript:void(0)">Call us</a> <a href="/services">click here</a>'
    # image-alt: no alt, an alt of spaces; one hidden from screen readers is not judged.
    '<img src="/photo.png?no-alt"><img src="/photo.png?spaces" alt="  ">'
    '<img src="/photo.png?hidden" aria-hidden="true">'
)
# Quirks mode (no doctype), no charset anywhere, no viewport, and one of each runtime fault.
BAD_PRACTICE = (
    "<html><head><title>Old site</title></head><body>"
    + TEXT
    + '<img src="/photo.png" width="300" height="300" alt="stretched">'
    + '<img src="http://insecure.invalid/logo.png" width="10" height="10" alt="">'
    + '<input id="pin" onpaste="return false">'
    + '<a class="menu">Menu</a>'
    + "<script>console.error('checkout failed');"
    + "navigator.geolocation.getCurrentPosition(() => {}, () => {});"
    + "Notification.requestPermission();"
    + "const r = new XMLHttpRequest(); r.open('GET', '/photo.png', false); r.send();"
    + "document.querySelector('a.menu').parentElement.addEventListener('click', () => {});</script>"
    + "</body></html>"
)
# Made for phones, but most of its text is 10 px: the legal small print outweighs the rest.
SMALL_PRINT = page(
    body=TEXT
    + '<footer class="legal small">'
    + "Terms apply to every job. " * 40
    + "</footer>"
    + "<style>.legal { font-size: 10px }</style>"
)


@pytest.fixture(scope="module")
def site(server):
    photo = png(300, 175)
    base = server.url
    server.route("/favicon.ico", Reply(200, photo, {"Content-Type": "image/png"}))
    server.route("/photo.png", Reply(200, photo, {"Content-Type": "image/png"}))
    robots = b"User-agent: *\nDisallow: /private\n"
    server.route("/robots.txt", Reply(200, robots, {"Content-Type": "text/plain"}))
    server.route("/good", Reply(200, page(GOOD_HEAD.format(base=base), GOOD_BODY), HTML))
    server.route("/private/page", Reply(200, page(body=TEXT), HTML))
    server.route("/bad-seo", Reply(404, page(BAD_SEO_HEAD, BAD_SEO_BODY), HTML))
    server.route("/bad-practice", Reply(200, BAD_PRACTICE.encode(), {"Content-Type": "text/html"}))
    server.route("/small-print", Reply(200, SMALL_PRINT, HTML))
    return server


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Iterator[LocalEngine]:
    local = LocalEngine(
        Settings(
            data_dir=tmp_path_factory.mktemp("data"),
            allow_private_urls=True,
            pagespeed_concurrency=1,
            pagespeed_screenshot=False,
        )
    )
    yield local
    local.close()


def scores(record, category: str) -> dict[str, float | None]:
    return {audit["id"]: audit["score"] for audit in record.details["lab_categories"][category]["audits"]}


def test_a_well_made_page_passes_every_seo_and_best_practices_audit(site, engine) -> None:
    record = engine.audit(site.url + "/good", "desktop")
    assert record.categories["seo"] == 100
    assert record.categories["best-practices"] == 100
    assert "accessibility" not in record.categories
    assert record.details["lab_categories"]["accessibility"]["not_measured"] == ACCESSIBILITY_ABSENT
    seo = scores(record, "seo")
    assert seo == {
        "is-crawlable": 1,
        "document-title": 1,
        "meta-description": 1,
        "http-status-code": 1,
        "link-text": 1,
        "crawlable-anchors": 1,
        "robots-txt": 1,
        "image-alt": 1,
        "hreflang": 1,
        "canonical": 1,
    }
    practices = scores(record, "best-practices")
    assert practices.pop("redirects-http") is None  # asked for http on 127.0.0.1: Lighthouse skips it too
    assert practices.pop("font-size") is None  # judged on mobile only
    assert set(practices.values()) == {1}
    assert {"deprecations", "errors-in-console", "inspector-issues", "charset", "doctype"} <= practices.keys()
    covered = record.details["lab_categories"]["seo"]
    assert {item["id"] for item in covered["not_measured"]} == {"structured-data"}


def test_a_page_broken_for_search_engines_fails_each_seo_audit(site, engine) -> None:
    record = engine.audit(site.url + "/bad-seo", "desktop")
    seo = scores(record, "seo")
    assert seo == {
        "is-crawlable": 0,
        "document-title": 0,
        "meta-description": 0,
        "http-status-code": 0,
        "link-text": 0,
        "crawlable-anchors": 0,
        "robots-txt": 1,  # the server's robots.txt is valid
        "image-alt": 0,
        "hreflang": 0,
        "canonical": 0,
    }
    assert record.categories["seo"] == 8  # 1 of 13.04 weight points
    details = {a["id"]: a["detail"] for a in record.details["lab_categories"]["seo"]["audits"]}
    assert "noindex" in details["is-crawlable"]
    assert "HTTP 404" in details["http-status-code"]
    assert "?no-alt" in details["image-alt"] and "?spaces" in details["image-alt"]
    assert "?hidden" not in details["image-alt"]
    assert "unexpected language code" in details["hreflang"] and "relative href" in details["hreflang"]


def test_robots_txt_that_disallows_the_page_fails_is_crawlable(site, engine) -> None:
    record = engine.audit(site.url + "/private/page", "desktop")
    assert scores(record, "seo")["is-crawlable"] == 0
    # is-crawlable weighs 93/23; the other seven applicable audits 1 each (no canonical here):
    # 7 / 11.04 rounds to 63, as Lighthouse's weighted mean does.
    assert record.categories["seo"] == 63


def test_a_broken_robots_txt_and_a_missing_favicon_fail_their_audits_on_every_audit(engine) -> None:
    other = LocalServer()  # robots.txt and favicon are per origin: a second server, with neither
    other.route("/", Reply(200, page(), HTML))
    other.route("/robots.txt", Reply(500, b"oops"))
    other.thread.start()
    try:
        # Chromium asks for a site's favicon once per browser: the second audit must still see it missing.
        records = [engine.audit(other.url + "/", "desktop") for _ in range(2)]
    finally:
        other.httpd.shutdown()
        other.httpd.server_close()
    for record in records:
        seo = scores(record, "seo")
        assert seo["robots-txt"] == 0 and seo["is-crawlable"] == 1
        assert scores(record, "best-practices")["errors-in-console"] == 0
    assert records[0].categories == records[1].categories


def test_a_page_with_runtime_faults_fails_each_best_practices_audit(site, engine) -> None:
    record = engine.audit(site.url + "/bad-practice", "desktop")
    practices = scores(record, "best-practices")
    for audit_id in (
        "is-on-https",
        "paste-preventing-inputs",
        "image-aspect-ratio",
        "image-size-responsive",
        "viewport",
        "doctype",
        "charset",
        "deprecations",
        "errors-in-console",
        "geolocation-on-start",
        "notification-on-start",
    ):
        assert practices[audit_id] == 0, audit_id
    assert practices["font-size"] is None  # judged on mobile only
    assert scores(record, "seo")["crawlable-anchors"] == 0  # <a> without href, a click listener above it
    details = {a["id"]: a["detail"] for a in record.details["lab_categories"]["best-practices"]["audits"]}
    assert "http://insecure.invalid/logo.png" in details["is-on-https"]
    assert "checkout failed" in details["errors-in-console"]
    assert "XMLHttpRequestSynchronous" in details["deprecations"]
    assert "300x300" in details["image-aspect-ratio"]
    # Where the page asked, as Lighthouse gives it: the page's own script, line and column from 0.
    for audit_id, call in (
        ("geolocation-on-start", "getCurrentPosition"),
        ("notification-on-start", "requestPermission"),
    ):
        assert details[audit_id] == f"{site.url}/bad-practice:0:{BAD_PRACTICE.index(call)}"
    assert record.categories["best-practices"] < 30


def test_font_size_is_judged_on_mobile_from_the_text_the_page_lays_out(site, engine) -> None:
    good = engine.audit(site.url + "/good", "mobile")
    assert scores(good, "best-practices")["font-size"] == 1
    small = engine.audit(site.url + "/small-print", "mobile")
    assert scores(small, "best-practices")["font-size"] == 0
    detail = {a["id"]: a["detail"] for a in small.details["lab_categories"]["best-practices"]["audits"]}
    legible, named = detail["font-size"].split("; ")[:2]
    # 6 legible sentences against 40 small ones; each wrapped line counts its whole text, as
    # in Lighthouse, so the long small print counts many times over.
    assert legible.endswith("of the text is legible") and int(legible.split("%")[0]) < 60
    assert named.startswith("footer.legal.small at 10px")
    # A page for desktops only, asked for on mobile: illegible whatever its sizes.
    desktop_only = engine.audit(site.url + "/bad-practice", "mobile")
    assert scores(desktop_only, "best-practices")["font-size"] == 0
