"""Settings of lead data checks (a mixin of ``leadq.settings.Settings``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LeadSettings(BaseModel):
    """How a lead's email address is checked before a campaign mails it."""

    email_check_deliverability: bool = Field(
        True,
        description="Look up each address's domain (MX, else A/AAAA) before a lead joins a campaign "
        "audience; a domain that does not exist or takes no mail is skipped.",
    )
    dns_servers: list[str] = Field(
        default_factory=list,
        description='DNS servers for those lookups, as JSON, e.g. ["127.0.0.1:5353", "9.9.9.9"]; '
        "empty: the system's resolver.",
    )
    dns_timeout: float = Field(5.0, gt=0, description="Seconds one domain's lookups may take in all.")
