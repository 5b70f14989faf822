"""The effective configuration as plain data, with every secret masked."""

from __future__ import annotations

import re
from typing import Any

from leadq.redact import MASK, mask_url
from leadq.settings import Settings
from leadq.settings_doc import env_name, sections

_SECRET_NAME = re.compile(r"(password|secret|api_key|token|dsn)$")


def effective_config(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every setting by name, in the reference's order: its variable, the value in
    effect (secrets and URL passwords masked) and its description."""
    values = settings.model_dump(mode="json")
    values["database_url"] = settings.effective_database_url
    values["broker"] = "redis" if settings.uses_redis else "embedded"
    shown: dict[str, dict[str, Any]] = {}
    for _, _, names in sections():
        for name in names:
            value = values[name]
            if value is not None and _SECRET_NAME.search(name):
                value = MASK
            elif isinstance(value, str) and "://" in value:
                value = mask_url(value)
            description = Settings.model_fields[name].description
            shown[name] = {"env": env_name(name), "value": value, "description": description}
    return shown
