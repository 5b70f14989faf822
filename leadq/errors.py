"""The one error tree of leadq.

Actors and domain code raise these; the retry middleware reads the family to
decide: transient errors are retried with backoff, permanent ones go straight
to the dead letters with their reason, and the CLI prints any ``LeadqError``
as one line instead of a traceback.
"""

from __future__ import annotations

import dramatiq


class LeadqError(Exception):
    """Base class of every error leadq raises on purpose."""


class UserError(LeadqError):
    """Bad input or configuration from the person at the terminal."""


class UsageError(UserError):
    """The command line is wrong (unknown name, unreadable value, flags that exclude each other): exit 2."""


class ConfigError(UserError):
    """A setting is missing or invalid."""


class BrokerUnavailable(UserError):
    """Redis (or the configured broker) cannot be reached."""


class TransientError(LeadqError, dramatiq.Retry):
    """A failure worth retrying later: timeouts, 5xx, 429, dropped connections.

    ``retry_after`` (seconds) is honoured as the minimum delay before the retry.
    A ``dramatiq.Retry`` too, so workers log it as a retry, not as a crash.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        dramatiq.Retry.__init__(self, message)
        self.retry_after = retry_after


class PermanentError(LeadqError):
    """A failure that retrying cannot fix: 404, parse failure, validation."""


class ParseError(PermanentError):
    """A page or file does not have the structure its parser expects."""


class ValidationFailed(PermanentError):
    """Input to a job is invalid."""


class UrlRefused(PermanentError):
    """A URL points somewhere leadq will not go (private address, bad scheme)."""


class Deferred(dramatiq.Retry):
    """Run this job again after ``delay`` ms without spending one of its retries.

    Raised when a rate limit is hit or a sending window is closed: the job did
    not fail, so it must never reach the dead letters for it.
    """

    def __init__(self, message: str, *, delay: int) -> None:
        super().__init__(message, delay=delay)


class Cancelled(LeadqError):
    """The job was cancelled by `leadq job cancel` and stopped at a checkpoint."""
