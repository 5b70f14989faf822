"""Lighthouse's category arithmetic and the audits' rules on hand-made page facts (no browser)."""

from __future__ import annotations

from leadq.pagespeed.best_practices import (
    best_practices_audits,
    image_size_responsive,
    redirects_http,
    third_party_cookies,
    unreached_not_measured,
    viewport,
)
from leadq.pagespeed.categories import AuditResult, category_score
from leadq.pagespeed.robots_txt import robots_txt_errors
from leadq.pagespeed.seo import canonical, hreflang, is_crawlable, link_text, robots_txt

PAGE = "https://joes-plumbing.example/services"


def facts(**extra) -> dict:
    document = {"url": PAGE, "headers": {}}
    return {"url": PAGE, "meta": [], "links": [], "anchors": [], "document": document, **extra}


def test_not_applicable_audits_weigh_nothing_and_the_mean_rounds_like_lighthouse() -> None:
    results = [
        AuditResult("a", "", 1.0, 93 / 23),
        AuditResult("b", "", 0.0, 1),
        AuditResult("c", "", None, 1),
        AuditResult("d", "", 0.0, 0),
    ]
    assert category_score(results) == 80  # 4.043 / 5.043 = 0.8017
    assert category_score([AuditResult("c", "", None, 1)]) == 0  # Lighthouse: sum / weight || 0
    assert category_score([]) is None


def test_is_crawlable_fails_only_when_every_crawler_is_blocked() -> None:
    noindex = {"name": "robots", "content": "noindex"}
    assert is_crawlable(facts(meta=[noindex])).score == 0
    googlebot_allowed = {"name": "googlebot", "content": "index"}
    assert is_crawlable(facts(meta=[noindex, googlebot_allowed])).score == 1
    header = facts(document={"url": PAGE, "headers": {"X-Robots-Tag": "none"}})
    assert is_crawlable(header).score == 0
    one_bot = facts(document={"url": PAGE, "headers": {"X-Robots-Tag": "bingbot: noindex"}})
    assert is_crawlable(one_bot).score == 1
    for date in ("2001-01-01", "01 Jan 2001 00:00:00 GMT"):
        expired = {"name": "robots", "content": f"unavailable_after: {date}"}
        assert is_crawlable(facts(meta=[expired])).score == 0
    future = {"name": "robots", "content": "unavailable_after: 2999-01-01"}
    assert is_crawlable(facts(meta=[future])).score == 1
    robots = facts(robotsTxt={"status": 200, "content": "User-agent: *\nDisallow: /services\n"})
    assert is_crawlable(robots).score == 0


def test_hreflang_accepts_registered_languages_and_x_default_in_head_or_link_headers() -> None:
    good = {"rel": "alternate", "hreflang": "pt-BR", "href": PAGE, "hrefRaw": PAGE, "source": "head"}
    default = {**good, "hreflang": "x-default"}
    assert hreflang(facts(links=[good, default])).score == 1
    in_body = {**good, "hreflang": "klingon", "source": "body"}
    assert hreflang(facts(links=[in_body])).score == 1  # Lighthouse ignores <link> in <body>
    header = facts(document={"url": PAGE, "headers": {"Link": '</fr>; rel="alternate"; hreflang="fr"'}})
    result = hreflang(header)
    assert result.score == 0 and "relative href" in result.detail


def test_canonical_is_not_applicable_without_one_and_fails_on_the_common_mistakes() -> None:
    def link(href: str, rel: str = "canonical", **more) -> dict:
        return {"rel": rel, "href": href, "hrefRaw": href, "hreflang": "", "source": "head", **more}

    assert canonical(facts()).score is None
    assert canonical(facts(links=[link(PAGE)])).score == 1
    assert canonical(facts(links=[link(PAGE), link(PAGE + "?x")])).score == 0
    root = canonical(facts(links=[link("https://joes-plumbing.example/")]))
    assert root.score == 0 and "root" in root.detail
    other = "https://joes-plumbing.example/fr/services"
    alternates = [link(PAGE, "alternate", hreflang="en"), link(other, "alternate", hreflang="fr")]
    assert canonical(facts(links=[link(other), *alternates])).score == 0


def test_link_text_judges_generic_words_in_the_links_own_language() -> None:
    german = {"href": "https://joes-plumbing.example/a", "rel": "", "text": "mehr", "textLang": "de"}
    assert link_text(facts(anchors=[german])).score == 0
    assert link_text(facts(anchors=[{**german, "textLang": "en"}])).score == 1
    assert link_text(facts(anchors=[{**german, "rel": "nofollow"}])).score == 1


def test_redirects_http_applies_only_to_an_http_address_off_localhost() -> None:
    http = {"requestedUrl": "http://joes-plumbing.example/"}
    assert redirects_http({"url": "https://joes-plumbing.example/", "document": http}).score == 1
    assert redirects_http({"url": "http://joes-plumbing.example/", "document": http}).score == 0
    assert redirects_http({"url": PAGE, "document": {"requestedUrl": PAGE}}).score is None


def test_viewport_needs_a_width_or_scale_and_no_zoomed_out_start() -> None:
    def tag(content: str) -> dict:
        return facts(meta=[{"name": "viewport", "content": content}])

    assert viewport(tag("width=device-width, initial-scale=1")).score == 1
    assert viewport(tag("initial-scale=0.5, width=device-width")).score == 0
    assert viewport(tag("user-scalable=no")).score == 0


def test_image_size_responsive_wants_the_pixel_ratio_of_images_in_view() -> None:
    phone = {"innerWidth": 412, "innerHeight": 823, "devicePixelRatio": 1.75}  # counted as 1.5

    def image(natural: tuple[int, int], shown: tuple[int, int], top: float = 10, **more) -> dict:
        rect = {"top": top, "bottom": top + shown[1], "left": 0, "right": shown[0]}
        return {
            "src": "https://joes-plumbing.example/van.jpg",
            "naturalWidth": natural[0],
            "naturalHeight": natural[1],
            "displayedWidth": shown[0],
            "displayedHeight": shown[1],
            "naturalTrusted": True,
            "objectFit": "fill",
            "imageRendering": "auto",
            "rect": rect,
            **more,
        }

    def score(*images: dict) -> float | None:
        return image_size_responsive(facts(viewport=phone, images=list(images))).score

    assert score(image((450, 338), (400, 300))) == 1  # 0.75 x 1.5 x 400 = 450
    low = image((300, 175), (400, 233))
    assert score(low) == 0
    assert "wants 600x350" in image_size_responsive(facts(viewport=phone, images=[low])).detail
    assert score(image((64, 64), (64, 64))) == 0  # small images need the full 1.5
    assert score(image((96, 96), (64, 64))) == 1
    assert score(image((300, 175), (400, 233), top=2000)) == 1  # below the fold
    assert score(image((300, 175), (400, 900))) == 1  # taller than the view
    assert score(image((300, 175), (400, 233), naturalTrusted=False)) == 1  # srcset: not judged
    assert score(image((300, 175), (400, 233), imageRendering="pixelated")) == 1


def test_without_a_devtools_connection_console_and_issue_audits_are_listed_as_not_measured() -> None:
    ids = {a.id for a in best_practices_audits(facts(devtools=False))}
    devtools_audits = {"deprecations", "third-party-cookies", "errors-in-console", "inspector-issues"}
    assert not ids & devtools_audits
    assert {n.id for n in unreached_not_measured(facts(devtools=False))} == devtools_audits
    assert unreached_not_measured(facts(devtools=True)) == []


def test_font_size_is_not_measured_when_chromium_gave_no_text_snapshot() -> None:
    unread = facts(devtools=True, textSizes=None)
    assert "font-size" not in {a.id for a in best_practices_audits(unread)}
    assert [n.id for n in unreached_not_measured(unread)] == ["font-size"]
    assert "font-size" in {
        a.id for a in best_practices_audits(facts(devtools=True))
    }  # desktop: not applicable


def test_robots_txt_is_validated_line_by_line_and_not_applicable_when_absent() -> None:
    def robots(status, content) -> float | None:
        return robots_txt(facts(robotsTxt={"status": status, "content": content})).score

    assert robots(200, "User-agent: *\nDisallow: /admin$\nSitemap: https://joes.example/sitemap.xml\n") == 1
    assert robots(404, None) is None
    assert robots(200, "") is None
    assert robots(None, None) == 0  # could not be downloaded
    assert robots(503, None) == 0
    assert robots_txt_errors("Disallow: /x\nUser-agent: *\nDisalow: /y\nAllow: y\nSitemap: /map.xml\n") == [
        "line 1: No user-agent specified",
        "line 3: Unknown directive",
        'line 4: Pattern should either be empty, start with "/" or "*"',
        "line 5: Invalid sitemap URL",
    ]


def test_third_party_cookies_counts_each_phased_out_cookie_once() -> None:
    def issue(name: str, reason: str) -> dict:
        cookie = {"name": name, "domain": "ads.example", "path": "/"}
        reasons = {"cookieWarningReasons": [reason], "cookieExclusionReasons": []}
        return {"cookie": cookie, **reasons, "cookieUrl": "u"}

    phased = [issue("id", "WarnThirdPartyPhaseout"), issue("id", "WarnThirdPartyPhaseout")]
    result = third_party_cookies(facts(issues={"cookieIssue": phased}))
    assert result.score == 0 and result.detail == "id (u)"
    other = [issue("id", "WarnSameSiteUnspecifiedCrossSiteContext")]
    assert third_party_cookies(facts(issues={"cookieIssue": other})).score == 1
