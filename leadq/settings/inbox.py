"""Settings of the inbox reader (a mixin of ``leadq.settings.Settings``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator


class InboxSettings(BaseModel):
    """Where replies and bounces arrive, and how they are acted on."""

    imap_host: str | None = Field(None, description="IMAP server host; unset means the inbox is not read.")
    imap_port: int = Field(993, description="IMAP port: 993 for ssl, 143 for starttls or none.")
    imap_user: str | None = Field(None, description="IMAP login.")
    imap_password: SecretStr | None = Field(None, description="IMAP password.")
    imap_tls: Literal["none", "starttls", "ssl"] = Field("ssl", description="IMAP transport security.")
    imap_folder: str = Field("INBOX", description="Folder where replies and bounces arrive.")
    imap_timeout: float = Field(30.0, description="Seconds before an IMAP command times out.")
    imap_poll_interval: float = Field(
        300.0,
        gt=0,
        description="Seconds between polls of `leadq inbox poll` without --once when the server "
        "has no IMAP IDLE.",
    )
    imap_idle: bool = Field(
        True,
        description="`leadq inbox poll` without --once waits with IMAP IDLE when the server offers it; "
        "false: it polls every LEADQ_IMAP_POLL_INTERVAL seconds.",
    )
    imap_poll_schedule: str = Field(
        "*/5 * * * *",
        description="Cron spec on which `leadq scheduler` enqueues the inbox poll (read when the "
        "scheduler starts).",
    )
    bounce_domain: str | None = Field(
        None,
        description="Domain of the envelope sender (Return-Path): bounces+TOKEN@this domain, delivered to "
        "the IMAP mailbox, matches each bounce to its message even when the report drops headers; "
        "unset: the From address is the envelope sender.",
    )
    soft_bounce_limit: int = Field(
        3, ge=1, description="Soft (temporary) bounces of one address before it is suppressed."
    )

    @field_validator("imap_poll_schedule")
    @classmethod
    def _poll_schedule_parses(cls, spec: str) -> str:
        # Imported here: the cron parser loads periodiq (and Dramatiq's CLI), which a
        # module that merely imports settings, such as a source parser, must not pay for.
        from leadq.cron import InvalidCron, parse_cron

        try:
            return parse_cron(spec).spec
        except InvalidCron as exc:
            raise ValueError(str(exc)) from None
