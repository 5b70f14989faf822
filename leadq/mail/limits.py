"""Which rate limits one outreach message must pass, all workers together.

The limits are enforced by the core's distributed ``rate_limit`` (Redis when a
broker is configured, memory when embedded); ``limits_for`` only says which
buckets a message draws from, so the rules are testable without a broker.
Daily caps are counted from the ledger instead (see ``delivery``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from leadq.settings import Settings


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` sends in any ``per`` seconds in bucket ``key``."""

    key: str
    limit: int
    per: float


def limits_for(settings: Settings, *, recipient_domain: str) -> list[Limit]:
    """The global cap and the per-recipient-domain cap (both per ``email_rate_window``)."""
    window = settings.email_rate_window
    return [
        Limit("email:global", settings.email_rate_limit, window),
        Limit(f"email:domain:{recipient_domain}", settings.email_domain_rate_limit, window),
    ]


@contextmanager
def acquire_limits(limits: Sequence[Limit]) -> Iterator[None]:
    """Take a slot of every limit or raise Deferred (the job runs again later, no retry spent).

    The core's window limiter counts whole-second buckets, so a limit over W
    seconds holds for every real interval of W-1 seconds; asking for W+1 makes
    "at most N in any W seconds" hold exactly, at a cost of one second's pace.
    """
    from leadq.core.ratelimit import rate_limit

    with ExitStack() as stack:
        for limit in limits:
            stack.enter_context(rate_limit(limit.key, limit=limit.limit, per=limit.per + 1))
        yield
