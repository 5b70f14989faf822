"""Which rate limits one outreach message must pass, all workers together.

The limits themselves are enforced by the core's distributed ``rate_limit``
(Redis when a broker is configured); this module only says which buckets a
message draws from, so the rules are testable without a broker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from leadq.settings import Settings

DAY = 86400.0


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` sends per ``per`` seconds in bucket ``key``."""

    key: str
    limit: int
    per: float


def limits_for(
    settings: Settings,
    *,
    recipient_domain: str,
    campaign_id: int | None,
    campaign_daily_cap: int | None,
    now: datetime,
) -> list[Limit]:
    """Global per-window cap, per-recipient-domain cap, daily warm-up cap, campaign daily cap."""
    day = now.strftime("%Y-%m-%d")
    limits = [
        Limit("email:global", settings.email_rate_limit, settings.email_rate_window),
        Limit(
            f"email:domain:{recipient_domain}", settings.email_domain_rate_limit, settings.email_rate_window
        ),
        Limit(f"email:day:{day}", settings.email_daily_limit, DAY),
    ]
    if campaign_id is not None and campaign_daily_cap:
        limits.append(Limit(f"email:campaign:{campaign_id}:day:{day}", campaign_daily_cap, DAY))
    return limits
