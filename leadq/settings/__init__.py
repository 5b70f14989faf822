"""One settings object for the whole tool, read from LEADQ_* env vars and `.env`.

Each domain keeps its own fields in a small mixin (``leadq/settings/<domain>.py``)
so adding a domain is one module here, one import and one base class below, and
every external endpoint is a field of its own so tests point it at 127.0.0.1.
Settings sit below every domain package: they import nothing of leadq but the
ground modules (errors, redact), so any layer may read them.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from platformdirs import user_data_dir
from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from leadq.errors import ConfigError
from leadq.redact import mask_url
from leadq.settings.ai import AiSettings
from leadq.settings.demo import DemoSettings
from leadq.settings.enrich import EnrichSettings
from leadq.settings.inbox import InboxSettings
from leadq.settings.leads import LeadSettings
from leadq.settings.mail import MailSettings
from leadq.settings.ops import OpsSettings
from leadq.settings.pagespeed import PageSpeedSettings
from leadq.settings.scrape import ScrapeSettings


def default_data_dir() -> Path:
    """The platform's user data directory (``~/.local/share/leadq`` on Linux)."""
    return Path(user_data_dir("leadq", appauthor=False))


#: The Redis a ``redis`` broker talks to when LEADQ_REDIS_URL is not set.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class CoreSettings(BaseModel):
    """Broker, storage and job-engine settings."""

    broker: Literal["auto", "redis", "embedded"] = Field(
        "auto", description="auto: Redis when LEADQ_REDIS_URL is set, else embedded (in-process)."
    )
    redis_url: str | None = Field(None, description=f"Redis URL of the broker, e.g. {DEFAULT_REDIS_URL}.")
    namespace: str = Field("leadq", description="Prefix of every Redis key leadq writes.")
    data_dir: Path = Field(default_factory=default_data_dir, description="Where SQLite and files live.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in the data dir.")
    dead_letter_ttl: int = Field(7 * 86400, description="Seconds a dead letter is kept in Redis.")
    # 6 s: an idle consumer runs maintenance when it wakes (every idle_wakeup_timeout,
    # 5 s), so a dead machine's jobs come back within 6 + 5 = 11 s, well under 15.
    heartbeat_timeout: float = Field(
        6.0, description="Seconds without a heartbeat before a worker's messages are redelivered."
    )
    maintenance_interval: float = Field(
        2.0, description="Seconds between a worker's checks for dead workers' messages."
    )
    unique_ttl: int = Field(86400, description="Default seconds an idempotency key holds.")
    idle_wakeup_timeout: float = Field(
        5.0, description="Longest an idle consumer blocks waiting for a wake-up before polling again."
    )
    history_flush_interval: float = Field(0.2, description="Seconds between job-history batch writes.")
    job_history_retention_days: int = Field(30, description="Finished jobs older than this are pruned.")
    actor_modules: list[str] = Field(
        default_factory=list, description="Extra modules with your own actors, imported by every worker."
    )
    sentry_dsn: str | None = Field(None, description="Sentry DSN; errors are reported when set.")
    log_level: str = Field("INFO", description="Lowest level logged: DEBUG, INFO, WARNING, ERROR, CRITICAL.")
    worker_processes: int = Field(2, description="Worker processes `leadq worker` starts (--processes).")
    worker_threads: int = Field(8, description="Threads per worker process (--threads).")
    worker_max_messages: int = Field(
        0, description="A worker process exits gracefully and is replaced after this many jobs (0: never)."
    )
    worker_max_rss_mb: int = Field(
        0, description="A worker process exits gracefully and is replaced above this RSS (0: never)."
    )
    worker_shutdown_timeout: float = Field(
        600.0, description="Seconds a stopping worker waits for running jobs before giving up on them."
    )
    host_id: str | None = Field(
        None,
        description="This machine's name in worker ids and heartbeats (default: the hostname); "
        "must differ between machines sharing one Redis.",
    )
    allow_private_urls: bool = Field(
        False, description="Let lead URLs reach private, loopback or link-local addresses (tests, LANs)."
    )
    user_agent: str = Field(
        "leadq/0.1 (+https://example.invalid/leadq; lead research bot)",
        description="User-Agent sent to every site leadq fetches; name your own contact URL or email in it "
        "(`leadq doctor` warns while it is the placeholder).",
    )
    http_connect_timeout: float = Field(
        10.0, description="Seconds to wait for a connection to a site or API."
    )
    http_read_timeout: float = Field(30.0, description="Seconds to wait for a site's response between bytes.")
    chromium_path: str = Field(
        "/usr/bin/chromium",
        description="Chromium binary for Google Maps and local audits (Debian package chromium).",
    )
    chromedriver_path: str = Field(
        "/usr/bin/chromedriver",
        description="chromedriver binary matching Chromium (Debian: chromium-driver).",
    )


class Settings(
    CoreSettings,
    EnrichSettings,
    LeadSettings,
    OpsSettings,
    MailSettings,
    InboxSettings,
    ScrapeSettings,
    PageSpeedSettings,
    DemoSettings,
    AiSettings,
    BaseSettings,
):
    """Effective configuration: env vars LEADQ_*, then `.env`, then defaults."""

    model_config = SettingsConfigDict(
        env_prefix="LEADQ_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    @property
    def uses_redis(self) -> bool:
        if self.broker == "auto":
            return self.redis_url is not None
        return self.broker == "redis"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'leadq.db'}"

    # Checked here so a bad value is one line naming the variable at start-up,
    # not a ValueError from deep inside redis-py or SQLAlchemy later.
    @field_validator("redis_url")
    @classmethod
    def _redis_url_parses(cls, url: str | None) -> str | None:
        if url is not None:
            if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
                raise ValueError("expected redis://[:password@]host[:port]/db, rediss://... or unix://path")
            _check_host_and_port(url)
        return url

    @field_validator("database_url")
    @classmethod
    def _database_url_parses(cls, url: str | None) -> str | None:
        if url is not None:
            if "://" not in url:
                raise ValueError("expected an SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db")
            _check_host_and_port(url)
        return url

    @field_validator("data_dir")
    @classmethod
    def _data_dir_is_a_directory(cls, path: Path) -> Path:
        if path.exists() and not path.is_dir():
            raise ValueError("expected a directory, but it is a file")
        return path


def _check_host_and_port(url: str) -> None:
    """Raise ValueError when a URL's port is not 0-65535 or its IPv6 literal is broken."""
    try:
        urlsplit(url).port  # noqa: B018 - reading it is the check
    except ValueError as exc:
        raise ValueError(f"{exc} (expected host[:port], IPv6 in brackets)") from None


#: LEADQ_* variables that are not settings: read by the test suite and its scripts.
NOT_SETTINGS = frozenset(
    {
        "LEADQ_TEST_REDIS_URL",
        "LEADQ_TEST_POSTGRES_URL",
        "LEADQ_TEST_VENV",
        "LEADQ_TEST_IMAP_PORT",
        "LEADQ_TEST_IMAP_USER",
        "LEADQ_TEST_IMAP_PASSWORD",
        "LEADQ_TEST_DOVECOT_CONF",
    }
)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build ``Settings(**overrides)`` instead.

    An invalid value raises ConfigError naming the variable and what it expects,
    so the CLI prints one line instead of pydantic's multi-line report.
    """
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(describe_invalid(exc)) from None
    except SettingsError as exc:
        # Raised before validation for list/dict fields, which are read as JSON.
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"LEADQ_{field.group(1).upper()}" if field else "a LEADQ_* variable"
        raise ConfigError(f'invalid setting {name}: expected a JSON list, e.g. \'["a", "b"]\'') from None


def describe_invalid(exc: ValidationError) -> str:
    """One line per bad field: `LEADQ_X='value': expected ...`, joined with `; `."""
    problems = []
    for error in exc.errors(include_url=False):
        field = str(error["loc"][0]) if error["loc"] else "?"
        value = _shown_value(field, error.get("input", ""))
        problems.append(f"LEADQ_{field.upper()}={value}: {_expectation(error)}")
    return "invalid setting " + "; ".join(problems)


#: Settings whose value is never echoed back (the same names `config show` masks).
_SECRET_FIELD = re.compile(r"(password|secret|api_key|token|dsn)$")


def _shown_value(field: str, value: object) -> str:
    """The bad value, quoted and short, with secrets and URL passwords hidden."""
    if _SECRET_FIELD.search(field):
        return "'****'"
    text = mask_url(str(value))
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _dotenv() -> dict[str, str | None]:
    env_file = Path(str(Settings.model_config.get("env_file") or ".env"))
    if not env_file.is_file():
        return {}
    from dotenv import dotenv_values  # pydantic-settings' own .env reader

    return dict(dotenv_values(env_file, encoding="utf-8"))


def _expectation(error) -> str:
    """What the field wants, in words ("expected a valid integer"), from a pydantic error."""
    message = str(error.get("msg", "invalid value"))
    if message.startswith("Input should be "):
        return "expected " + message.removeprefix("Input should be ")
    return message.removeprefix("Value error, ")


def unknown_env_vars(environ: Mapping[str, str] | None = None) -> list[tuple[str, str | None]]:
    """LEADQ_* variables that name no setting (typos), each with the closest real name or None.

    By default the environment and `.env` (read the same way the settings are).
    """
    if environ is None:
        environ = {**_dotenv(), **os.environ}
    known = {f"LEADQ_{name.upper()}" for name in Settings.model_fields}
    allowed = known | NOT_SETTINGS
    unknown = sorted(
        name for name in environ if name.upper().startswith("LEADQ_") and name.upper() not in allowed
    )
    return [(name, next(iter(difflib.get_close_matches(name.upper(), known, n=1)), None)) for name in unknown]
