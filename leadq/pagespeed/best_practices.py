"""Lighthouse's best-practices category, run on the facts ``page_facts`` gathered: its audits,
weights and pass criteria as in Lighthouse 12.8 (core/config/default-config.js and the audits
named below).

Pure: each audit reads the facts and returns an ``AuditResult``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from leadq.pagespeed.categories import AuditResult, NotMeasured

WEIGHTS = {
    "is-on-https": 5,
    "redirects-http": 1,
    "geolocation-on-start": 1,
    "notification-on-start": 1,
    "paste-preventing-inputs": 3,
    "image-aspect-ratio": 1,
    "image-size-responsive": 1,
    "viewport": 1,
    "font-size": 1,
    "doctype": 1,
    "charset": 1,
    "deprecations": 5,
    "third-party-cookies": 5,
    "errors-in-console": 1,
    "inspector-issues": 1,
}

_WEIGHTLESS = "weighs nothing in Lighthouse's score"
NOT_MEASURED = [
    NotMeasured(audit_id, 0, _WEIGHTLESS)
    for audit_id in (
        "csp-xss",
        "has-hsts",
        "origin-isolation",
        "clickjacking-mitigation",
        "trusted-types-xss",
        "js-libraries",
        "valid-source-maps",
    )
]

# is-on-https: what Lighthouse counts as secure (core/lib/url-utils.js).
_SECURE_SCHEMES = {"data", "https", "wss", "blob", "chrome", "chrome-extension", "about", "filesystem"}
# image-aspect-ratio: how far the displayed size may stray from the natural ratio.
_ASPECT_TOLERANCE_PX = 2
# image-size-responsive: an image at most this big both ways needs the full pixel ratio.
_SMALL_IMAGE_PX = 64
# charset (core/audits/dobetterweb/charset.js).
_CHARSET_IN_HTML = re.compile(r"<meta[^>]+charset[^<]+>", re.IGNORECASE)
_CHARSET_IN_HEADER = re.compile(r"charset\s*=\s*[a-zA-Z0-9-_:.()]{2,}", re.IGNORECASE)
_IANA_NAME = re.compile(r"^[a-zA-Z0-9-_:.()]{2,}$")
# inspector-issues: the DevTools issue kinds Lighthouse fails the page for.
_FAILING_ISSUES = (
    "mixedContentIssue",
    "cookieIssue",
    "blockedByResponseIssue",
    "heavyAdIssue",
    "contentSecurityPolicyIssue",
)


_DEVTOOLS_AUDITS = ("deprecations", "third-party-cookies", "errors-in-console", "inspector-issues")
# errors-in-console: Lighthouse's default ignoredPatterns.
_IGNORED_ERRORS = "ERR_BLOCKED_BY_CLIENT.Inspector"
# font-size: the share of text that must be legible.
_LEGIBLE_SHARE = 0.6


def best_practices_audits(facts: dict[str, Any]) -> list[AuditResult]:
    """Every best-practices audit leadq runs, in Lighthouse's order. Console and issue audits
    run only when the DevTools connection was reached."""
    audits = [
        is_on_https(facts),
        redirects_http(facts),
        geolocation_on_start(facts),
        notification_on_start(facts),
        paste_preventing_inputs(facts),
        image_aspect_ratio(facts),
        image_size_responsive(facts),
        viewport(facts),
        *([] if _text_unread(facts) else [font_size(facts)]),
        doctype(facts),
        charset(facts),
    ]
    if facts.get("devtools"):
        read_devtools = (deprecations, third_party_cookies, errors_in_console, inspector_issues)
        audits += [audit(facts) for audit in read_devtools]
    return audits


def unreached_not_measured(facts: dict[str, Any]) -> list[NotMeasured]:
    """The audits whose input this page load could not give: the DevTools connection's, and
    the text sizes of a mobile page."""
    missing = []
    if not facts.get("devtools"):
        why = "the DevTools connection to the page could not be opened"
        missing += [NotMeasured(a, WEIGHTS[a], why) for a in _DEVTOOLS_AUDITS]
    if _text_unread(facts):
        missing.append(
            NotMeasured("font-size", WEIGHTS["font-size"], "Chromium gave no snapshot of the text")
        )
    return missing


def _text_unread(facts: dict[str, Any]) -> bool:
    """A mobile page whose text sizes could not be read (a desktop page has no ``textSizes``)."""
    return "textSizes" in facts and facts["textSizes"] is None


def _result(audit_id: str, title: str, failures: list[str], *, applicable: bool = True) -> AuditResult:
    return AuditResult.judged(audit_id, title, WEIGHTS[audit_id], failures, applicable=applicable)


def _like_localhost(host: str) -> bool:
    return host in ("localhost", "127.0.0.1") or host.endswith(".localhost")


def is_on_https(facts: dict[str, Any]) -> AuditResult:
    insecure = []
    for url in facts.get("requests", []):
        parts = urlsplit(url)
        if parts.scheme not in _SECURE_SCHEMES and not _like_localhost(parts.hostname or ""):
            insecure.append(url)
    for issue in facts.get("issues", {}).get("mixedContentIssue", []):
        if issue.get("insecureURL") and issue["insecureURL"] not in insecure:
            insecure.append(issue["insecureURL"])
    failures = [f"{len(insecure)} insecure request(s): " + ", ".join(insecure[:3])] if insecure else []
    return _result("is-on-https", "Uses HTTPS", failures)


def redirects_http(facts: dict[str, Any]) -> AuditResult:
    """An http:// address must lead to https:// (not applicable when asked for https, or on localhost)."""
    requested = urlsplit((facts.get("document") or {}).get("requestedUrl") or facts.get("url") or "")
    final = urlsplit(facts.get("url") or "")
    title = "Redirects HTTP traffic to HTTPS"
    if requested.scheme != "http" or _like_localhost(final.hostname or ""):
        return _result("redirects-http", title, [], applicable=False)
    failures = [] if final.scheme == "https" else ["the http:// address does not redirect to https://"]
    return _result("redirects-http", title, failures)


def paste_preventing_inputs(facts: dict[str, Any]) -> AuditResult:
    failures = [f"blocks pasting: {field}" for field in facts.get("pasteBlocked", [])]
    return _result("paste-preventing-inputs", "Allows users to paste into input fields", failures)


def _plain_images(facts: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str, int, int, int, int]]:
    """The images both image audits judge, as (image, src, natural w, h, displayed w, h): an
    ``<img>`` of its own (not from a ``srcset`` or ``<picture>``, whose natural size is the chosen
    candidate's), not SVG, drawn with ``object-fit: fill``."""
    for image in facts.get("images", []):
        src = image.get("src") or ""
        if not image.get("naturalTrusted") or image.get("objectFit") != "fill" or _is_svg(src):
            continue
        natural_w, natural_h = image.get("naturalWidth") or 0, image.get("naturalHeight") or 0
        shown_w, shown_h = image.get("displayedWidth") or 0, image.get("displayedHeight") or 0
        yield image, src, natural_w, natural_h, shown_w, shown_h


def image_aspect_ratio(facts: dict[str, Any]) -> AuditResult:
    failures = []
    for _, src, natural_w, natural_h, shown_w, shown_h in _plain_images(facts):
        if natural_w <= 5 or natural_h <= 5 or not shown_w or not shown_h:
            continue
        ratio = natural_w / natural_h
        target_h, target_w = shown_w / ratio, shown_h * ratio
        if target_h < target_w:
            matches = abs(target_h - shown_h) < _ASPECT_TOLERANCE_PX
        else:
            matches = abs(target_w - shown_w) < _ASPECT_TOLERANCE_PX
        if not matches:
            failures.append(f"{src[:120]} shown {shown_w}x{shown_h}, is {natural_w}x{natural_h}")
    return _result("image-aspect-ratio", "Displays images with correct aspect ratio", failures)


def image_size_responsive(facts: dict[str, Any]) -> AuditResult:
    """Lighthouse's image-size-responsive: an image in view, and no bigger than the view, whose
    natural size is under its displayed size times the screen's pixel ratio (counted as 1, 1.5
    or 2; three quarters of that for images over 64 px) is served at too low a resolution.
    Images from a ``srcset`` or a ``<picture>`` are left out (``_plain_images``); Lighthouse
    loads them again to learn their natural size.
    """
    view = facts.get("viewport") or {}
    width, height = view.get("innerWidth") or 0, view.get("innerHeight") or 0
    ratio = _quantized_pixel_ratio(view.get("devicePixelRatio") or 1.0)
    failures = []
    for image, src, natural_w, natural_h, shown_w, shown_h in _plain_images(facts):
        if (
            shown_w <= 1
            or shown_h <= 1
            or not natural_w
            or not natural_h
            or image.get("imageRendering") in ("pixelated", "crisp-edges")
        ):
            continue
        need = ratio if shown_w <= _SMALL_IMAGE_PX and shown_h <= _SMALL_IMAGE_PX else 0.75 * ratio
        if natural_w >= math.ceil(need * shown_w) and natural_h >= math.ceil(need * shown_h):
            continue
        rect = image.get("rect") or {}
        top, bottom, left, right = (rect.get(side, 0) for side in ("top", "bottom", "left", "right"))
        in_view = (
            (bottom - top) * (right - left) > 0
            and top <= height
            and bottom >= 0
            and 0 <= right
            and left <= width
        )
        if in_view and bottom - top <= height and right - left <= width:
            wanted = f"{math.ceil(ratio * shown_w)}x{math.ceil(ratio * shown_h)}"
            failures.append(
                f"{src[:120]} shown {shown_w}x{shown_h}, is {natural_w}x{natural_h}, wants {wanted}"
            )
    return _result("image-size-responsive", "Serves images with appropriate resolution", failures)


def _quantized_pixel_ratio(ratio: float) -> float:
    return 2.0 if ratio >= 2 else 1.5 if ratio >= 1.5 else 1.0


def _is_svg(src: str) -> bool:
    """Lighthouse's guessMimeType: an svg data URI or a path ending in .svg."""
    if src.startswith("data:"):
        return src[5:].split(";")[0].split(",")[0] == "image/svg+xml"
    return urlsplit(src).path.lower().endswith(".svg")


def _viewport_properties(content: str) -> dict[str, str]:
    """The pairs of a viewport meta content (separators: comma, semicolon, whitespace)."""
    pairs = {}
    for part in re.split(r"[,;]", content):
        key, _, value = part.partition("=")
        if key.strip():
            pairs[key.strip().lower()] = value.strip().lower()
    return pairs


def _viewport_tag(facts: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """The page's viewport meta, and whether it suits a phone (Lighthouse's ViewportMeta
    ``isMobileOptimized``): a width or an initial scale, and no initial scale below 1."""
    tag = next((m for m in facts.get("meta", []) if m["name"] == "viewport"), None)
    if tag is None:
        return None, False
    pairs = _viewport_properties(tag.get("content") or "")
    try:
        scale = float(pairs["initial-scale"]) if "initial-scale" in pairs else None
    except ValueError:
        scale = None
    return tag, (scale is None or scale >= 1) and bool(pairs.get("width") or scale)


def viewport(facts: dict[str, Any]) -> AuditResult:
    title = 'Has a <meta name="viewport"> tag with width or initial-scale'
    tag, optimized = _viewport_tag(facts)
    if tag is None:
        return _result("viewport", title, ["no viewport meta tag"])
    return _result("viewport", title, [] if optimized else [f'content="{tag.get("content")}"'])


def font_size(facts: dict[str, Any]) -> AuditResult:
    """At least 60 % of the visible text at 12 px or more, on a page made for phones; judged on
    mobile only (``textSizes`` is gathered for mobile audits), as Lighthouse does."""
    title = "Document uses legible font sizes"
    sizes = facts.get("textSizes")
    if sizes is None:
        return _result("font-size", title, [], applicable=False)
    if not _viewport_tag(facts)[1]:
        return _result("font-size", title, ["illegible: no viewport meta tag optimized for mobile screens"])
    total, illegible = sizes.get("total") or 0, sizes.get("illegible") or 0
    if not total or (total - illegible) / total >= _LEGIBLE_SHARE:
        return _result("font-size", title, [])
    named = [
        f"{e['element']} at {e['px']:g}px ({e['chars'] / total:.0%})" for e in sizes["illegibleElements"]
    ]
    legible = f"{(total - illegible) / total:.0%} of the text is legible"
    return _result("font-size", title, [legible, *named])


def doctype(facts: dict[str, Any]) -> AuditResult:
    title = "Page has the HTML doctype"
    found = facts.get("doctype")
    if not found:
        return _result("doctype", title, ["no doctype"])
    if facts.get("compatMode") == "CSS1Compat":
        return _result("doctype", title, [])
    if found.get("publicId") or found.get("systemId") or found.get("name") != "html":
        return _result("doctype", title, ["the doctype is not <!DOCTYPE html>"])
    return _result("doctype", title, ["the page renders in quirks mode"])


def charset(facts: dict[str, Any]) -> AuditResult:
    headers = (facts.get("document") or {}).get("headers") or {}
    declared = any(
        _CHARSET_IN_HEADER.search(value) for key, value in headers.items() if key.lower() == "content-type"
    )
    head = facts.get("documentHead") or ""
    declared = declared or head.startswith("\ufeff")
    if _CHARSET_IN_HTML.search(head[:1024]):
        declared = declared or any(
            (m.get("charset") and _IANA_NAME.match(m["charset"]))
            or (m.get("httpEquiv") == "content-type" and _CHARSET_IN_HEADER.search(m.get("content") or ""))
            for m in facts.get("meta", [])
        )
    return _result("charset", "Properly defines charset", [] if declared else ["no charset declared"])


def _asked_on_start(facts: dict[str, Any], permission: str) -> list[str]:
    """Where the page asked for ``permission`` with no user gesture, each place once
    (Lighthouse's ViolationAudit: deduplicated by URL, line and column, both from 0)."""
    places = []
    for asked, url, line, column in facts.get("violations", []):
        place = f"{url}:{line}:{column}"
        if asked == permission and place not in places:
            places.append(place)
    return places


def geolocation_on_start(facts: dict[str, Any]) -> AuditResult:
    """The page asked for the visitor's location while loading, before they did anything."""
    failures = _asked_on_start(facts, "geolocation")
    title = "Avoids requesting the geolocation permission on page load"
    return _result("geolocation-on-start", title, failures)


def notification_on_start(facts: dict[str, Any]) -> AuditResult:
    """The page asked to send notifications while loading, before the visitor did anything."""
    failures = _asked_on_start(facts, "notification")
    title = "Avoids requesting the notification permission on page load"
    return _result("notification-on-start", title, failures)


def deprecations(facts: dict[str, Any]) -> AuditResult:
    found = facts.get("issues", {}).get("deprecationIssue", [])
    failures = [
        f"{issue.get('type')} ({(issue.get('sourceCodeLocation') or {}).get('url', '')})" for issue in found
    ]
    return _result("deprecations", "Avoids deprecated APIs", failures)


def third_party_cookies(facts: dict[str, Any]) -> AuditResult:
    """Cookies Chromium flags as third-party (its phase-out warnings or exclusions), each once."""
    seen = {}
    for issue in facts.get("issues", {}).get("cookieIssue", []):
        reasons = (issue.get("cookieWarningReasons") or []) + (issue.get("cookieExclusionReasons") or [])
        if not {"WarnThirdPartyPhaseout", "ExcludeThirdPartyPhaseout"} & set(reasons):
            continue
        cookie = issue.get("cookie")
        name = (cookie or {}).get("name") or issue.get("rawCookieLine")
        if not name:
            continue
        key = f"{cookie.get('domain')};{cookie.get('path')};{name}" if cookie else name
        seen.setdefault(key, f"{name} ({issue.get('cookieUrl', '')})")
    return _result("third-party-cookies", "Avoids third-party cookies", list(seen.values()))


def errors_in_console(facts: dict[str, Any]) -> AuditResult:
    errors = facts.get("consoleErrors", [])
    failures = [str(e.get("text")) for e in errors if _IGNORED_ERRORS not in (e.get("text") or "")]
    return _result("errors-in-console", "No browser errors logged to the console", failures)


def inspector_issues(facts: dict[str, Any]) -> AuditResult:
    issues = facts.get("issues", {})
    failures = [f"{kind} ({len(issues[kind])})" for kind in _FAILING_ISSUES if issues.get(kind)]
    return _result("inspector-issues", "No issues in the Issues panel in Chrome Devtools", failures)
