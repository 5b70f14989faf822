"""PageSpeed-specific errors."""

from __future__ import annotations

from leadq.errors import Deferred, LeadqError


class QuotaExhausted(Deferred, LeadqError):
    """The PSI API key's daily quota is used up: wait for the reset instead of retrying.

    A ``Deferred`` so a queued audit re-runs after the reset without spending a
    retry, and a ``LeadqError`` so the CLI prints it as one line.
    """

    def __init__(self, message: str, *, delay: int) -> None:
        super().__init__(message, delay=delay)
        self.delay_ms = delay
