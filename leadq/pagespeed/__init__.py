"""PageSpeed audits of lead websites: PSI, a local Chromium lab engine, or the Lighthouse CLI."""

from __future__ import annotations


def lighthouse_available() -> str | None:
    """The Lighthouse CLI's version when it is installed, else None (for `leadq doctor`)."""
    from leadq.pagespeed.lighthouse import lighthouse_available as available

    return available()
