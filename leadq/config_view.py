"""The effective configuration as plain data, with every secret masked."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from leadq.settings import Settings

MASK = "****"
_SECRET_NAME = re.compile(r"(password|secret|api_key|token|dsn)$")


def mask_url(url: str) -> str:
    """Hide the password (or lone token) in a URL's userinfo."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    userinfo = f"{user}:{MASK}" if parts.password is not None else MASK
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


def effective_config(settings: Settings) -> dict[str, Any]:
    """Every setting by name; secrets become ``****`` and URL passwords are masked."""
    shown: dict[str, Any] = {}
    for name, value in settings.model_dump(mode="json").items():
        if value is not None and _SECRET_NAME.search(name):
            value = MASK
        elif isinstance(value, str) and "://" in value:
            value = mask_url(value)
        shown[name] = value
    shown["database_url"] = mask_url(settings.effective_database_url)
    shown["broker"] = "redis" if settings.uses_redis else "embedded"
    return shown
