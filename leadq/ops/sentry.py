"""Sentry for workers and the CLI, with personal data and secrets scrubbed before sending.

Leads are people and businesses: an error about a job may quote an email
address, a phone number, or a URL with a password in it. ``before_send``
walks the whole event (messages, exception values, stack locals, job
arguments, breadcrumbs) and replaces them. Phone numbers are found with
libphonenumber (``phonenumbers``), which knows real numbering plans, so
timestamps and ids are not mistaken for phones.

``init_sentry`` must run before the broker is built: sentry-sdk's Dramatiq
integration patches ``Broker.__init__`` to add its middleware.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import sentry_sdk
from dramatiq.middleware import CurrentMessage
from sentry_sdk.integrations.dramatiq import DramatiqIntegration

from leadq import __version__
from leadq.contacts import EMAIL
from leadq.redact import mask_url
from leadq.settings import Settings
from leadq.settings.enrich import DEFAULT_PHONE_REGION

FILTERED = "[Filtered]"
#: Dict keys whose values are never sent.
SECRET_KEY = re.compile(r"pass(word|wd)?|secret|token|api[_-]?key|dsn|auth|cookie|session|credential", re.I)
SECRET_ASSIGNMENT = re.compile(
    rf"(?P<key>\b\w{{0,40}}(?:{SECRET_KEY.pattern})\w{{0,20}}\s*[=:]\s*)[^\s,;&]+", re.I
)


def scrub_text(text: str) -> str:
    """Replace emails, phone numbers, URL passwords and ``key=secret`` pairs in free text."""
    text = mask_url(text)
    text = SECRET_ASSIGNMENT.sub(lambda m: f"{m['key']}{FILTERED}", text)
    text = EMAIL.sub("[email]", text)
    for match in reversed(list(phonenumbers.PhoneNumberMatcher(text, DEFAULT_PHONE_REGION))):
        text = text[: match.start] + "[phone]" + text[match.end :]
    return text


def scrub(value: Any) -> Any:
    """The same structure with every string scrubbed and every secret-named key's value filtered."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            k: FILTERED if isinstance(k, str) and SECRET_KEY.search(k) else scrub(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def before_send(event: dict, hint: dict) -> dict:
    """Tag the event with the job it came from, then scrub it."""
    message = CurrentMessage.get_current_message()
    if message is not None:
        tags = event.setdefault("tags", {})
        tags.update(
            job_id=message.message_id,
            actor=message.actor_name,
            queue=message.queue_name,
            attempt=str(message.options.get("attempt", message.options.get("retries", 0) + 1)),
        )
    return scrub(event)


def init_sentry(settings: Settings, **options: Any) -> bool:
    """Start Sentry when ``LEADQ_SENTRY_DSN`` is set (call before building the broker).

    ``options`` go to ``sentry_sdk.init`` (tests pass ``transport=``). Returns
    whether Sentry is on.
    """
    if not settings.sentry_dsn:
        return False
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        integrations=[DramatiqIntegration()],
        before_send=before_send,
        before_send_transaction=before_send,
        environment=settings.sentry_environment,
        release=f"leadq@{__version__}",
        **options,
    )
    return True
