"""Email settings (env LEADQ_SMTP_*, LEADQ_EMAIL_*, LEADQ_UNSUBSCRIBE_*, LEADQ_POSTAL_ADDRESS).

The names are fixed so operators and scripts can rely on them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class MailSettings(BaseModel):
    """SMTP server, sender identity, compliance and sending limits."""

    smtp_host: str | None = Field(None, description="SMTP server host; unset means email cannot be sent.")
    smtp_port: int = Field(587, description="SMTP port: 587 for starttls, 465 for ssl, 25 for none.")
    smtp_user: str | None = Field(None, description="SMTP login; no AUTH when unset.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_tls: Literal["none", "starttls", "ssl"] = Field(
        "starttls", description="none, starttls (upgrade after connect) or ssl (implicit TLS)."
    )
    smtp_timeout: float = Field(30.0, description="Seconds before an SMTP command times out.")
    email_from: str | None = Field(None, description='Sender, e.g. "Ada at Studio <ada@studio.example>".')
    postal_address: str | None = Field(
        None, description="Sender's postal address, put in every outreach footer; required to launch."
    )
    unsubscribe_url: str | None = Field(
        None, description="Public URL of `leadq unsubscribe serve`, e.g. https://studio.example/unsubscribe."
    )
    unsubscribe_secret: SecretStr | None = Field(
        None, description="Key that derives the opaque unsubscribe token ids (and checked old signed links)."
    )
    unsubscribe_accept_legacy_tokens: bool = Field(
        True,
        description="Honour links of mail sent before opaque tokens (signed, address inside); "
        "turn off once that mail is old.",
    )
    unsubscribe_mailto: str | None = Field(
        None, description="Address for mailto unsubscribes; default unsubscribe@<sender's domain>."
    )
    email_test_mode: bool = Field(False, description="Never email leads: redirect or write .eml files.")
    email_test_address: str | None = Field(None, description="Test mode: send every message here instead.")
    email_test_dir: Path | None = Field(
        None, description="Test mode without a test address: write .eml files here (default data_dir/outbox)."
    )
    email_rate_limit: int = Field(50, description="Most messages sent per rate window, all workers together.")
    email_rate_window: float = Field(60.0, description="Seconds of the global and per-domain rate windows.")
    email_domain_rate_limit: int = Field(10, description="Most messages per recipient domain per window.")
    email_daily_limit: int = Field(500, description="Most messages per day (warm-up cap), all campaigns.")
    email_timezone: str = Field(
        "UTC", description="Timezone of the sending window when neither the lead nor the campaign has one."
    )
