"""Crawl a few pages of a lead's own website, contact and about pages first.

The lead's URL is untrusted: every request goes through ``HttpClient``, which
refuses private, loopback and link-local hosts on the first hop and on every
redirect. A bad page is recorded in the report and skipped; only a refused or
temporarily failing *start* page is raised, so the caller can drop the lead or
retry it later instead of storing "no website" for a site that was just slow.
"""

from __future__ import annotations

import codecs
import re
from urllib.parse import urlsplit

import requests

from leadq.contacts import website_domain
from leadq.enrich.extract import extract_signals
from leadq.enrich.report import PageResult, SiteReport
from leadq.errors import LeadqError, TransientError, UrlRefused
from leadq.net import HttpClient
from leadq.settings.enrich import DEFAULT_PHONE_REGION

# Path words of the pages that carry contact details, most useful first.
PAGE_PRIORITY = (
    ("contact", "kontakt", "get-in-touch", "reach-us"),
    ("impressum", "imprint", "about", "team"),
)
CHARSET = re.compile(r"charset=[\"']?([\w.:-]{1,40})", re.IGNORECASE)
CHUNK = 64 * 1024


def crawl_site(
    url: str,
    *,
    client: HttpClient,
    max_pages: int = 5,
    region: str = DEFAULT_PHONE_REGION,
    max_bytes: int = 2_000_000,
) -> SiteReport:
    """Fetch at most ``max_pages`` pages of the site at ``url`` (same host) and merge their signals.

    Phone numbers without a country code are read in ``region``; each page is
    cut off after ``max_bytes`` so a hostile site cannot exhaust memory.
    Raises ``UrlRefused`` or ``TransientError`` only for the start page.
    """
    report = SiteReport(url=url)
    frontier = {url: (0, 0)}  # URL -> (priority, order found): home first, then contact pages
    seen = {url}
    host = website_domain(url)
    while frontier and len(report.pages) < max_pages:
        page_url = min(frontier, key=frontier.__getitem__)
        del frontier[page_url]
        start = not report.pages
        try:
            page, html = fetch_page(client, page_url, max_bytes)
        except LeadqError as exc:
            if start and isinstance(exc, UrlRefused | TransientError):
                raise
            report.pages.append(PageResult(url=page_url, error=str(exc)))
            continue
        report.pages.append(page)
        seen.add(page.final_url)  # "http://a.com" and its home page "http://a.com/" are one page
        if start:
            report.final_url = page.final_url
            host = website_domain(page.final_url)
        if html is None:
            continue
        if website_domain(page.final_url) != host:
            page.error = f"left the site for {page.final_url}"
            continue
        signals = extract_signals(html, page.final_url, region=region)
        report.add(signals)
        for link in signals.internal_links:
            if link not in seen:
                seen.add(link)
                frontier[link] = (page_priority(link), len(seen))
    return report


def page_priority(url: str) -> int:
    """0 for contact pages, 1 for about/impressum pages, 2 for the rest."""
    path = urlsplit(url).path.lower()
    for priority, words in enumerate(PAGE_PRIORITY):
        if any(word in path for word in words):
            return priority
    return len(PAGE_PRIORITY)


def fetch_page(client: HttpClient, url: str, max_bytes: int) -> tuple[PageResult, str | None]:
    """GET ``url``; the page's HTML, or None with the reason recorded when it is not HTML."""
    try:
        response = client.get(url, stream=True)
    except requests.RequestException as exc:  # malformed URLs and the like: the page is just bad
        return PageResult(url=url, error=f"cannot fetch {url}: {type(exc).__name__}"), None
    with response:
        page = PageResult(
            url=url,
            final_url=response.url,
            status=response.status_code,
            redirects=[hop.url for hop in response.history],
        )
        content_type = response.headers.get("Content-Type", "")
        if content_type and "html" not in content_type.lower():
            page.error = f"not an HTML page ({content_type[:80]})"
            return page, None
        try:
            body = _read_capped(response, max_bytes)
        except requests.RequestException as exc:
            page.error = f"cannot read {url}: {type(exc).__name__}"
            return page, None
    return page, body.decode(_charset(content_type), errors="replace")


def _read_capped(response: requests.Response, max_bytes: int) -> bytes:
    body = bytearray()
    for chunk in response.iter_content(CHUNK):
        body += chunk
        if len(body) >= max_bytes:
            break
    return bytes(body[:max_bytes])


def _charset(content_type: str) -> str:
    """The declared charset if Python knows it, else UTF-8 (what almost every site sends)."""
    match = CHARSET.search(content_type)
    try:
        return codecs.lookup(match.group(1)).name if match else "utf-8"
    except LookupError:
        return "utf-8"
