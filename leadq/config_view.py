"""The effective configuration as plain data, with every secret masked."""

from __future__ import annotations

import re
from typing import Any

from leadq.redact import MASK, mask_url
from leadq.settings import Settings

_SECRET_NAME = re.compile(r"(password|secret|api_key|token|dsn)$")


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
