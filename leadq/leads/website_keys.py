"""Website keys: what two leads' websites must share to be the same business.

A business's own site is keyed on its registrable domain, read from the
Public Suffix List: ``www.joes-plumbing.co.uk`` and ``shop.joes-plumbing.co.uk``
are one key (``joes-plumbing.co.uk``), while ``foo.co.uk`` and ``bar.co.uk``,
or ``joes.blogspot.com`` and ``anns.blogspot.com`` (the list's private section
names blogspot.com as a suffix), are two.

Many small businesses have no site of their own, only a page on a shared host:
a Facebook page, a Linktree, a Yelp listing, a Wix or WordPress.com sub-site,
a Google Sites page. The domain says nothing there: every Facebook page is
facebook.com. On those hosts the key is the host plus the full path (and the
query for ``profile.php?id=…``), so two businesses merge only when they have
the same profile URL, and a bare ``facebook.com`` has no key at all.

tldextract reads its bundled snapshot of the list (``suffix_list_urls=()``):
no network at run time, and the same answer on every machine.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

import tldextract

#: Registrable domains whose pages are a business's profile, not a site of its
#: own: social networks, link-in-bio pages, directories and review sites.
#: Subdomains of these are profiles too. Kept by hand: add a host when leads
#: on it merge wrongly, or when `leadq ai extract` takes a profile for a website.
PROFILE_HOSTS = frozenset(
    {
        # Social networks and link-in-bio pages.
        "facebook.com",
        "fb.com",
        "fb.me",
        "instagram.com",
        "twitter.com",
        "x.com",
        "linkedin.com",
        "tiktok.com",
        "youtube.com",
        "pinterest.com",
        "threads.net",
        "nextdoor.com",
        "linktr.ee",
        "linkin.bio",
        "beacons.ai",
        "bio.link",
        "carrd.co",
        # Directories, review and booking sites.
        "yelp.com",
        "yellowpages.com",
        "bbb.org",
        "angi.com",
        "angieslist.com",
        "homeadvisor.com",
        "thumbtack.com",
        "houzz.com",
        "porch.com",
        "mapquest.com",
        "tripadvisor.com",
        "foursquare.com",
        "etsy.com",
        "booksy.com",
        "vagaro.com",
        "square.site",
        "craigslist.org",
        # Google Business Profile pages, short links and Maps.
        "google.com",
        "g.page",
        "goo.gl",
    }
)

#: Site builders' and blog hosts' shared domains (those the Public Suffix List
#: does not already split per site): a site there is the business's own
#: website, but its domain is shared by many businesses.
BUILDER_HOSTS = frozenset(
    {
        "business.site",
        "wix.com",
        "wixsite.com",
        "editorx.io",
        "squarespace.com",
        "weebly.com",
        "webs.com",
        "godaddysites.com",
        "wordpress.com",
        "tumblr.com",
        "jimdosite.com",
        "jimdo.com",
        "strikingly.com",
        "mystrikingly.com",
        "site123.me",
        "webnode.com",
        "wordpress.org",
    }
)

#: Registrable domains whose pages belong to many unrelated businesses.
SHARED_HOSTS = PROFILE_HOSTS | BUILDER_HOSTS

#: Subdomains that are the same shared host seen differently (mobile, locale).
_SAME_HOST_PREFIXES = ("www.", "m.", "mobile.", "web.", "business.", "en.", "l.")

#: Query parameters that only track a visit; every other one is part of a profile
#: URL (facebook.com/profile.php?id=…).
_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "igshid", "ref", "ref_src", "hl", "locale", "mibextid"})

MAX_KEY_LENGTH = 500

_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def _split(url: str):
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return parts, host.rstrip(".")


@lru_cache(maxsize=4096)
def website_key(url: str | None) -> str | None:
    """The merge key of a website URL, lower-cased; None when it names no business.

    A registrable domain for a site of its own; host and path for a page on a
    shared host (``facebook.com/joesplumbing``).
    """
    if not url:
        return None
    split = _split(url)
    if split is None:
        return None
    parts, host = split
    registrable = _registrable_domain(host)
    if not registrable:
        return None  # an IP address or a bare public suffix (co.uk)
    # joe.wixsite.com is registrable (the list names wixsite.com a suffix), yet one
    # Wix account hosts several sites under paths: the suffix is the shared host.
    if registrable not in SHARED_HOSTS and _extract(host).suffix not in SHARED_HOSTS:
        return registrable
    for prefix in _SAME_HOST_PREFIXES:
        if host.startswith(prefix) and host.removeprefix(prefix).endswith(registrable):
            host = host.removeprefix(prefix)
            break
    path = parts.path.rstrip("/").lower()
    query = urlencode(
        sorted(
            (name, value)
            for name, value in parse_qsl(parts.query)
            if name.lower() not in _TRACKING_PARAMS and not name.lower().startswith("utm_")
        )
    )
    if host == registrable and not path and not query:
        return None  # the shared host's home page: no business at all
    key = host + path + (f"?{query}" if query else "")
    # Longer than the column: no key rather than a cut one that could match another page.
    return key if len(key) <= MAX_KEY_LENGTH else None


def is_profile_page(url: str) -> bool:
    """Whether ``url`` is a page on a profile host (a Facebook page, a Yelp listing): the
    business is there, but it is not the business's own website."""
    split = _split(url)
    if split is None:
        return False
    host = split[1].lower()
    return any(host == profile or host.endswith("." + profile) for profile in PROFILE_HOSTS)


def _registrable_domain(host: str) -> str | None:
    """The domain under the public suffix; for a top-level domain the list does not
    know (a reserved ``.example``, a new gTLD newer than the snapshot) the list's own
    default rule ``*``: the last two labels."""
    extracted = _extract(host)
    if extracted.ipv4 or extracted.ipv6:
        return None
    if extracted.suffix:
        return extracted.top_domain_under_public_suffix or None
    labels = host.split(".")
    return ".".join(labels[-2:]) if len(labels) >= 2 and all(labels[-2:]) else None
