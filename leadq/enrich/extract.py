"""What one web page says about the business behind it.

``extract_signals`` is a pure function of the page's HTML and URL so it can be
tested on saved pages and fuzzed; the crawler feeds it pages and merges the
results. Everything it reads is hostile: text goes through the linear-time
patterns in ``leadq.contacts`` and URLs through ``urllib.parse``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from leadq.contacts import clean_email, find_emails, find_phones, normalize_phone, unique, website_domain
from leadq.enrich.patterns import copyright_year
from leadq.settings.enrich import DEFAULT_PHONE_REGION

SOCIAL_HOSTS = {
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "instagram.com": "instagram",
    "twitter.com": "twitter",
    "x.com": "twitter",
    "linkedin.com": "linkedin",
    "youtube.com": "youtube",
    "youtu.be": "youtube",
    "tiktok.com": "tiktok",
    "yelp.com": "yelp",
}
# Share buttons point at the network, not at the business's own profile.
SHARE_PATHS = frozenset({"sharer", "sharer.php", "share", "share.php", "intent", "dialog", "sharearticle"})
# Names a generator meta tag uses, in the order they are tried.
GENERATOR_NAMES = ("WordPress", "Joomla", "Drupal", "Wix", "Squarespace", "Shopify", "Webflow", "Weebly")
# Markers builders leave in the markup even when they hide the generator tag.
CMS_MARKERS = (
    ("/wp-content/", "WordPress"),
    ("/wp-includes/", "WordPress"),
    ("cdn.shopify.com", "Shopify"),
    ("shopify.theme", "Shopify"),
    ("static.wixstatic.com", "Wix"),
    ("static.parastorage.com", "Wix"),
    ("static1.squarespace.com", "Squarespace"),
    ("squarespace-cdn.com", "Squarespace"),
)
# Links a crawler for contact details has no reason to download.
NOT_PAGES = tuple(
    ".pdf .jpg .jpeg .png .gif .svg .webp .zip .doc .docx .xls .xlsx .mp3 .mp4 .mov .css .js .ico".split()
)
FORM_FIELDS = "textarea, input[type=email i], input[name*=email i], input[name*=message i]"
MAX_LINKS = 500
# Real pages have a few hundred links; resolving more is work an attacker chose.
MAX_HREFS = 2000
MAX_TITLE = 300


@dataclass
class PageSignals:
    """Contact details and site-quality hints found on one page (or merged over a site)."""

    url: str
    title: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164
    social: dict[str, str] = field(default_factory=dict)  # network -> profile URL
    contact_form: bool = False
    generator: str | None = None
    cms: str | None = None
    copyright_year: int | None = None  # latest year in the copyright notice
    viewport: str | None = None  # content of <meta name="viewport">
    mobile_viewport: bool = False  # the viewport follows the device width
    internal_links: list[str] = field(default_factory=list)


def extract_signals(html: str, url: str, *, region: str = DEFAULT_PHONE_REGION) -> PageSignals:
    """Read ``html`` (the page at ``url``); phone numbers without a country code are read in ``region``."""
    tree = LexborHTMLParser(html)
    tree.strip_tags(["script", "style", "template"])
    text = tree.root.text(separator=" ") if tree.root else ""
    hrefs = (
        href.strip() for node in tree.css("a[href], area[href]") if (href := node.attributes.get("href"))
    )
    links = unique(hrefs)[:MAX_HREFS]
    generator = _meta(tree, "generator")
    viewport = _meta(tree, "viewport")
    title_node = tree.css_first("title")
    title = " ".join(title_node.text().split())[:MAX_TITLE] if title_node else None
    return PageSignals(
        url=url,
        title=title or None,
        emails=unique([*_linked_emails(tree, links), *find_emails(text)]),
        phones=unique([*_linked_phones(links, region), *find_phones(text, region)]),
        social=_social(links, url),
        contact_form=any(form.css_first(FORM_FIELDS) is not None for form in tree.css("form")),
        generator=generator,
        cms=_cms(generator, html),
        copyright_year=copyright_year(text),
        viewport=viewport,
        mobile_viewport=viewport is not None and "width=device-width" in viewport.replace(" ", "").lower(),
        internal_links=_internal_links(links, url),
    )


def _meta(tree: LexborHTMLParser, name: str) -> str | None:
    node = tree.css_first(f"meta[name={name} i][content]")
    content = " ".join((node.attributes.get("content") or "").split())[:MAX_TITLE] if node else ""
    return content or None


def _linked_emails(tree: LexborHTMLParser, links: list[str]) -> list[str]:
    found = []
    for href in links:
        if href[:7].lower() == "mailto:":
            found.extend(unquote(href[7:]).split("?", 1)[0].split(","))
        elif "/cdn-cgi/l/email-protection#" in href:
            found.append(_cloudflare_email(href.rpartition("#")[2]))
    found.extend(
        _cloudflare_email(node.attributes.get("data-cfemail")) for node in tree.css("[data-cfemail]")
    )
    return [address for candidate in found if candidate and (address := clean_email(candidate))]


def _cloudflare_email(encoded: str | None) -> str | None:
    """Decode Cloudflare's email protection: hex bytes XORed with the first byte."""
    try:
        data = bytes.fromhex(encoded or "")
        return bytes(byte ^ data[0] for byte in data[1:]).decode("utf-8") if data else None
    except (ValueError, UnicodeDecodeError):
        return None


def _linked_phones(links: list[str], region: str) -> list[str]:
    numbers = (normalize_phone(unquote(href[4:]), region) for href in links if href[:4].lower() == "tel:")
    return [number for number in numbers if number]


def _social(links: list[str], base: str) -> dict[str, str]:
    profiles: dict[str, str] = {}
    for parts in _resolved(links, base):
        host = (parts.hostname or "").lower()
        network = next((SOCIAL_HOSTS[h] for h in _parent_domains(host) if h in SOCIAL_HOSTS), None)
        first_segment = parts.path.strip("/").split("/", 1)[0].lower()
        if network and first_segment and first_segment not in SHARE_PATHS:
            profiles.setdefault(network, urlunsplit(parts._replace(fragment="")))
    return profiles


def _resolved(links: list[str], base: str) -> list[SplitResult]:
    """The http(s) links of a page as absolute URLs; unparseable ones ("http://[x") dropped."""
    resolved = []
    for href in links:
        try:
            parts = urlsplit(urljoin(base, href))
        except ValueError:
            continue
        if parts.scheme in ("http", "https") and parts.hostname:
            resolved.append(parts)
    return resolved


def _parent_domains(host: str) -> list[str]:
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def _cms(generator: str | None, html: str) -> str | None:
    if generator:
        name = next((name for name in GENERATOR_NAMES if name.lower() in generator.lower()), None)
        if name:
            return name
    lowered = html.lower()
    return next((cms for marker, cms in CMS_MARKERS if marker in lowered), None)


def _internal_links(links: list[str], base: str) -> list[str]:
    host = website_domain(base)
    found = [
        urlunsplit(parts._replace(fragment="", path=parts.path or "/"))
        for parts in _resolved(links, base)
        if parts.hostname.lower().removeprefix("www.") == host and not parts.path.lower().endswith(NOT_PAGES)
    ]
    return unique(found)[:MAX_LINKS]
