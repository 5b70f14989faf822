"""Template variables: what a template may know about the lead, its audit and the campaign.

Only plain values go in (strings, numbers, None, dicts of those): the sandbox
then has no object with methods or attributes worth reaching for.

Link values (the lead's website, any ``*url`` field of its audit) reach a
template only when they are http(s) URLs: a scraped ``javascript:`` or
``data:`` "website" put in ``<a href="{{ lead.website }}">`` would otherwise be
a live script link in the email; HTML escaping does not stop that.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from leadq.leads.models import Lead

LEAD_FIELDS = (
    "id",
    "name",
    "category",
    "phone",
    "email",
    "website",
    "website_domain",
    "address",
    "city",
    "region",
    "postal_code",
    "country",
    "timezone",
    "rating",
    "review_count",
    "site",
    "source",
)


#: Lead fields and audit keys (by suffix) that hold links.
LINK_FIELDS = ("website",)
LINK_SUFFIX = "url"

#: A lead with every field filled: `campaign create` renders each step for it,
#: and `email preview` shows it when no lead is named.
SAMPLE_LEAD = Lead(
    id=0,
    name="Example Plumbing",
    category="Plumber",
    phone="+12175550100",
    email="owner@example-plumbing.example",
    website="https://example-plumbing.example",
    website_domain="example-plumbing.example",
    address="1 Main St",
    city="Springfield",
    region="IL",
    postal_code="62701",
    country="US",
    timezone="America/Chicago",
    rating=4.5,
    review_count=12,
    site="sample",
    source="sample",
)
#: What `campaign create` renders each step with for ``{{ demo_url }}`` and ``{{ demo_screenshot_url }}``.
SAMPLE_DEMO = {
    "demo_url": "https://demo.example/0123456789abcdef0123456789abcdef/",
    "demo_screenshot_url": "https://demo.example/0123456789abcdef0123456789abcdef/screenshots/demo-desktop.png",
}


def web_link(value: Any) -> str | None:
    """The value when it is an absolute http(s) URL with a host; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    return value.strip() if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def lead_variables(lead: Lead) -> dict[str, Any]:
    values = {name: getattr(lead, name) for name in LEAD_FIELDS}
    for name in LINK_FIELDS:
        values[name] = web_link(values[name])
    return values


def template_variables(
    lead: Lead,
    *,
    audit: dict[str, Any] | None,
    campaign_name: str,
    sender_name: str,
    step_number: int,
    demo: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """The variables every outreach template gets; ``audit`` is None when there is none.

    ``demo`` holds ``demo_url`` and ``demo_screenshot_url`` of the lead's published
    demo (``leadq.demo.store.demo_links``); both are None when it has none.
    """
    plain_audit = (
        {
            key: web_link(value) if key.lower().endswith(LINK_SUFFIX) else value
            for key, value in audit.items()
            if isinstance(value, str | int | float | bool | None)
        }
        if audit
        else None
    )
    return {
        "lead": lead_variables(lead),
        "audit": plain_audit,
        "campaign": {"name": campaign_name, "step": step_number},
        "sender": {"name": sender_name},
        "demo_url": web_link((demo or {}).get("demo_url")),
        "demo_screenshot_url": web_link((demo or {}).get("demo_screenshot_url")),
    }
