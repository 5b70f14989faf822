"""Whether this machine can audit at all, said in one line before any audit is queued.

`leadq scrape --pipeline` continues into the audit; on a machine without
Chromium (or the Lighthouse CLI) every audit would fail the same way, so the
pipeline skips them and the summary says why, instead of failing the command.
"""

from __future__ import annotations

import shutil

from leadq.browser import BrowserUnavailable, check_installed
from leadq.errors import ConfigError
from leadq.pagespeed.engines import resolve_engine_name
from leadq.settings import Settings


def audit_unavailable(settings: Settings, engine: str | None = None) -> str | None:
    """Why audits cannot run here (one line), or None when the engine's programs are installed.

    The PSI engine runs at Google: nothing local to check (its errors show per audit).
    """
    try:
        name = resolve_engine_name(settings, engine)
    except ConfigError as exc:
        return str(exc)
    if name == "lighthouse" and shutil.which(settings.lighthouse_path) is None:
        return f"Lighthouse CLI not found ({settings.lighthouse_path}): `npm install -g lighthouse`"
    if name in ("local", "lighthouse"):
        try:
            check_installed(settings)
        except BrowserUnavailable as exc:
            return str(exc)
    return None
