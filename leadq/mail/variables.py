"""Template variables: what a template may know about the lead, its audit and the campaign.

Only plain values go in (strings, numbers, None, dicts of those): the sandbox
then has no object with methods or attributes worth reaching for.
"""

from __future__ import annotations

from typing import Any

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


def lead_variables(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in LEAD_FIELDS}


def template_variables(
    lead: Lead,
    *,
    audit: dict[str, Any] | None,
    campaign_name: str,
    sender_name: str,
    step_number: int,
) -> dict[str, Any]:
    """The variables every outreach template gets; ``audit`` is None when there is none."""
    plain_audit = (
        {key: value for key, value in audit.items() if isinstance(value, str | int | float | bool | None)}
        if audit
        else None
    )
    return {
        "lead": lead_variables(lead),
        "audit": plain_audit,
        "campaign": {"name": campaign_name, "step": step_number},
        "sender": {"name": sender_name},
    }
