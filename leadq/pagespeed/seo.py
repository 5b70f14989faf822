"""Lighthouse's SEO category, run on the facts ``page_facts`` gathered: its audits, weights and
pass criteria as in Lighthouse 12.8 (core/config/default-config.js, core/audits/seo/*.js).

Pure: each audit reads the facts and the final URL and returns an ``AuditResult``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urldefrag, urlsplit

from protego import Protego

from leadq.pagespeed.categories import AuditResult, NotMeasured
from leadq.pagespeed.language_subtags import LANGUAGE_SUBTAGS
from leadq.pagespeed.robots_txt import robots_txt_errors

#: Lighthouse's weights. is-crawlable weighs 93/23 so that failing it alone fails the category.
WEIGHTS = {
    "is-crawlable": 93 / 23,
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

NOT_MEASURED = [
    NotMeasured("structured-data", 0, "a manual check in Lighthouse too"),
]

# is-crawlable: the generic robots plus the crawlers Lighthouse asks about; the page fails
# only when every one of them is blocked.
_BOTS: tuple[str | None, ...] = (None, "Googlebot", "bingbot", "DuckDuckBot", "archive.org_bot")
_BLOCKING = {"noindex", "none"}

#: link-text: Lighthouse's non-descriptive link texts by language (core/audits/seo/link-text.js).
GENERIC_LINK_TEXTS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "click here|click this|go|here|information|learn more|more|more info|more information|right here"
        "|read more|see more|start|this".split("|")
    ),
    "ja": frozenset("ここをクリック|こちらをクリック|リンク|続きを読む|続く|全文表示".split("|")),
    "es": frozenset(
        "click aquí|click aqui|clicka aquí|clicka aqui|pincha aquí|pincha aqui|aquí|aqui|más|mas"
        "|más información|más informacion|mas información|mas informacion|este|enlace|este enlace"
        "|empezar".split("|")
    ),
    "pt": frozenset("clique aqui|ir|mais informação|mais informações|mais|veja mais".split("|")),
    "ko": frozenset("여기|여기를 클릭|클릭|링크|자세히|자세히 보기|계속|이동|전체 보기".split("|")),
    "sv": frozenset("här|klicka här|läs mer|mer|mer info|mer information".split("|")),
    "de": frozenset("klicke hier|hier klicken|hier|mehr|siehe|dies|das|weiterlesen".split("|")),
    "ta": frozenset(
        "அடுத்த பக்கம்|மறுபக்கம்|முந்தைய பக்கம்|முன்பக்கம்|மேலும் அறிக|மேலும் தகவலுக்கு"
        "|மேலும் தரவுகளுக்கு|தயவுசெய்து இங்கே அழுத்தவும்|இங்கே கிளிக் செய்யவும்".split("|")
    ),
    "fa": frozenset(
        "اطلاعات بیشتر|اطلاعات|این|اینجا بزنید|اینجا کلیک کنید|اینجا|برو|بیشتر بخوانید|بیشتر بدانید"
        "|بیشتر|شروع".split("|")
    ),
}
# crawlable-anchors: attributes that only make sense with an href.
_HREF_ATTRIBUTES = ("target", "download", "ping", "rel", "hreflang", "type", "referrerpolicy")
_JAVASCRIPT_VOID = re.compile(r"javascript:void(\(|)0(\)|)")


def seo_audits(facts: dict[str, Any]) -> list[AuditResult]:
    """Every SEO audit leadq runs, in Lighthouse's order."""
    return [
        is_crawlable(facts),
        document_title(facts),
        meta_description(facts),
        http_status_code(facts),
        link_text(facts),
        crawlable_anchors(facts),
        robots_txt(facts),
        image_alt(facts),
        hreflang(facts),
        canonical(facts),
    ]


def _result(audit_id: str, title: str, failures: list[str], *, applicable: bool = True) -> AuditResult:
    return AuditResult.judged(audit_id, title, WEIGHTS[audit_id], failures, applicable=applicable)


def _blocking(directives: str) -> bool:
    """A directive list that keeps the page out of the index: noindex, none, or a past unavailable_after."""
    for directive in (d.strip().lower() for d in directives.split(",")):
        if directive in _BLOCKING:
            return True
        name, _, date = directive.partition(":")
        when = _date(date) if name == "unavailable_after" else None
        if when is not None and when < datetime.now(UTC):
            return True
    return False


def _date(text: str) -> datetime | None:
    """An ISO 8601 or RFC 822 date, as JavaScript's Date.parse reads most of them (UTC if no zone).

    Lighthouse splits directives on commas first, so a date with a comma never parses there either.
    """
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            when = parse(text.strip().upper())
        except (TypeError, ValueError):
            continue
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def _header_values(headers: dict[str, str], name: str) -> list[str]:
    """A response header's values (CDP joins repeated headers with newlines)."""
    values = [str(value) for key, value in headers.items() if key.lower() == name]
    return [part for value in values for part in value.split("\n") if part]


def is_crawlable(facts: dict[str, Any]) -> AuditResult:
    document = facts.get("document") or {}
    url = document.get("url") or facts.get("url") or ""
    meta = {m["name"]: m for m in facts.get("meta", [])}
    robots_text = (facts.get("robotsTxt") or {}).get("content")
    robots = Protego.parse(robots_text) if robots_text else None
    blocked_for: dict[str | None, list[str]] = {}
    for bot in _BOTS:
        reasons = []
        tag = meta.get(bot.lower()) if bot else None
        tag = tag or meta.get("robots")
        if tag and _blocking(tag.get("content") or ""):
            reasons.append(f'<meta name="{tag["name"]}" content="{tag.get("content")}">')
        for value in _header_values(document.get("headers") or {}, "x-robots-tag"):
            prefix = re.match(r"^([^,:]+):", value)
            agent = prefix.group(1) if prefix and prefix.group(1).lower() != "unavailable_after" else None
            if agent is not None and agent != bot:
                continue
            own = bool(bot) and value.startswith(f"{bot}:")
            directives = value.replace(f"{bot}:", "", 1) if own else value.strip()
            if _blocking(directives):
                reasons.append(f"X-Robots-Tag: {value}")
        if robots is not None and not robots.can_fetch(url, bot or "*"):
            reasons.append("robots.txt disallows this page")
        if reasons:
            blocked_for[bot] = reasons
    failures = blocked_for.get(None, []) if len(blocked_for) == len(_BOTS) else []
    return _result("is-crawlable", "Page isn't blocked from indexing", failures)


def document_title(facts: dict[str, Any]) -> AuditResult:
    """axe-core's document-title rule: a non-empty <title>."""
    failures = [] if (facts.get("title") or "").strip() else ["no <title>, or an empty one"]
    return _result("document-title", "Document has a <title> element", failures)


def image_alt(facts: dict[str, Any]) -> AuditResult:
    """axe-core's image-alt rule, gathered by ``page_facts``: not applicable without an image
    a screen reader meets."""
    images = facts.get("imagesNeedingAlt") or []
    failures = [f"no text alternative: {image['src'][:120]}" for image in images if not image["passes"]]
    return _result("image-alt", "Image elements have [alt] attributes", failures, applicable=bool(images))


def meta_description(facts: dict[str, Any]) -> AuditResult:
    tag = next((m for m in facts.get("meta", []) if m["name"] == "description"), None)
    if tag is None:
        failures = ["no meta description"]
    else:
        failures = [] if (tag.get("content") or "").strip() else ["the meta description is empty"]
    return _result("meta-description", "Document has a meta description", failures)


def http_status_code(facts: dict[str, Any]) -> AuditResult:
    status = (facts.get("document") or {}).get("status")
    failures = [f"HTTP {status}"] if isinstance(status, int) and 400 <= status <= 599 else []
    return _result("http-status-code", "Page has successful HTTP status code", failures)


def link_text(facts: dict[str, Any]) -> AuditResult:
    page = urldefrag(facts.get("url") or "").url
    failures = []
    for link in facts.get("anchors", []):
        href = link.get("href") or ""
        if not href or "nofollow" in (link.get("rel") or "").split():
            continue
        if href.lower().startswith(("javascript:", "mailto:")) or urldefrag(href).url == page:
            continue
        text = (link.get("text") or "").strip().lower()
        if not text:
            continue
        lang = link.get("textLang")
        if lang:
            generic = text in GENERIC_LINK_TEXTS.get(lang.split("-")[0], frozenset())
        else:
            generic = any(text in texts for texts in GENERIC_LINK_TEXTS.values())
        if generic:
            failures.append(f'"{text}" → {href}')
    return _result("link-text", "Links have descriptive text", failures)


def crawlable_anchors(facts: dict[str, Any]) -> AuditResult:
    listeners = facts.get("anchorListeners") or []
    failures = []
    for index, anchor in enumerate(facts.get("anchors", [])):
        if _uncrawlable(anchor, index < len(listeners) and listeners[index], facts.get("url") or ""):
            failures.append(f'<a href="{anchor.get("rawHref", "")}">')
    return _result("crawlable-anchors", "Links are crawlable", failures)


def _uncrawlable(anchor: dict[str, Any], has_listener: bool, page_url: str) -> bool:
    raw = re.sub(r"\s", "", anchor.get("rawHref") or "")
    names = anchor.get("attributeNames") or []
    if (anchor.get("role") or "").strip() or raw.startswith("mailto:"):
        return False
    if raw == "" and anchor.get("id"):
        return False
    if raw.startswith("file:"):
        return True
    if (anchor.get("name") or "").strip():
        return False
    if "href" not in names and not any(a in names for a in _HREF_ATTRIBUTES):
        return has_listener or bool(anchor.get("onclick"))
    if anchor.get("href") == "" or _JAVASCRIPT_VOID.search(raw):
        return True
    return not _parses_as_url(raw, page_url)


def _parses_as_url(raw: str, base: str) -> bool:
    """What ``new URL(raw, base)`` accepts: Python's parser is laxer, so only its hard errors count."""
    try:
        parts = urlsplit(raw)
        _ = parts.port
    except ValueError:
        return False
    return True


def robots_txt(facts: dict[str, Any]) -> AuditResult:
    """Valid when every line parses; failed when it could not be fetched or the server erred;
    not applicable when there is none (4xx or empty)."""
    title = "robots.txt is valid"
    fetched = facts.get("robotsTxt") or {}
    status, content = fetched.get("status"), fetched.get("content")
    if not status:
        return _result("robots-txt", title, ["robots.txt could not be downloaded"])
    if status >= 500:
        return _result("robots-txt", title, [f"robots.txt answered HTTP {status}"])
    if status >= 400 or not content:
        return _result("robots-txt", title, [], applicable=False)
    return _result("robots-txt", title, robots_txt_errors(content))


def _link_elements(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """<link> elements plus the main document's Link headers (Lighthouse's LinkElements)."""
    links = list(facts.get("links", []))
    headers = ((facts.get("document") or {}).get("headers")) or {}
    for value in _header_values(headers, "link"):
        for item in re.finditer(r"<([^>]*)>([^,<]*)", value):
            params = {
                k.strip().lower(): v.strip().strip('"')
                for k, _, v in (p.partition("=") for p in item.group(2).split(";") if "=" in p)
            }
            links.append(
                {
                    "rel": params.get("rel", ""),
                    "href": item.group(1),
                    "hrefRaw": item.group(1),
                    "hreflang": params.get("hreflang", ""),
                    "source": "headers",
                }
            )
    return links


def hreflang(facts: dict[str, Any]) -> AuditResult:
    failures = []
    for link in _link_elements(facts):
        if link["rel"] != "alternate" or not link.get("hreflang") or link["source"] == "body":
            continue
        code = link["hreflang"]
        reasons = []
        if code.lower() != "x-default" and code.split("-")[0].lower() not in LANGUAGE_SUBTAGS:
            reasons.append("unexpected language code")
        if not link["hrefRaw"].lower().startswith(("http:", "https:")):
            reasons.append("relative href value")
        if reasons:
            failures.append(f'hreflang="{code}" href="{link["hrefRaw"]}": {", ".join(reasons)}')
    return _result("hreflang", "Document has a valid hreflang", failures)


def canonical(facts: dict[str, Any]) -> AuditResult:
    title = "Document has a valid rel=canonical"
    canonicals: list[str] = []
    alternates = set()
    for link in _link_elements(facts):
        if link["source"] == "body":
            continue
        if link["rel"] == "canonical" and link["hrefRaw"]:
            if not link["href"]:
                return _result("canonical", title, [f"invalid URL ({link['hrefRaw']})"])
            if not urlsplit(link["hrefRaw"]).scheme:
                return _result("canonical", title, [f"is a relative URL ({link['hrefRaw']})"])
            if link["href"] not in canonicals:
                canonicals.append(link["href"])
        elif link["rel"] == "alternate" and link.get("href") and link.get("hreflang"):
            alternates.add(link["href"])
    if not canonicals:
        return _result("canonical", title, [], applicable=False)
    if len(canonicals) > 1:
        return _result("canonical", title, ["multiple conflicting URLs (" + ", ".join(canonicals) + ")"])
    target, page = urlsplit(canonicals[0]), urlsplit((facts.get("document") or {}).get("url") or facts["url"])
    target_url, page_url = canonicals[0], page.geturl()
    if target_url in alternates and page_url in alternates and target_url != page_url:
        return _result("canonical", title, [f"points to another hreflang location ({target_url})"])
    same_origin = (target.scheme, target.netloc) == (page.scheme, page.netloc)
    if same_origin and target.path in ("", "/") and page.path not in ("", "/"):
        return _result("canonical", title, ["points to the domain's root URL (the homepage)"])
    return _result("canonical", title, [])
