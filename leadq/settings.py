"""One settings object for the whole tool, read from LEADQ_* env vars and `.env`.

Each domain keeps its own fields in a small mixin (``leadq/<domain>/settings.py``)
so adding a domain is one import and one base class here, and every external
endpoint is a field of its own so tests point it at 127.0.0.1.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from leadq.enrich.settings import EnrichSettings
from leadq.mail.settings import MailSettings
from leadq.ops.settings import OpsSettings
from leadq.pagespeed.settings import PageSpeedSettings
from leadq.scrape.settings import ScrapeSettings

QUEUES = ("scrape", "pagespeed", "email", "campaign", "ai", "demo", "maintenance")


def default_data_dir() -> Path:
    return Path(user_data_dir("leadq", appauthor=False))


class CoreSettings(BaseModel):
    """Broker, storage and job-engine settings."""

    broker: Literal["auto", "redis", "embedded"] = Field(
        "auto", description="auto: Redis when LEADQ_REDIS_URL is set, else embedded (in-process)."
    )
    redis_url: str | None = Field(None, description="Redis URL of the broker, e.g. redis://127.0.0.1:6379/0.")
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
    log_level: str = "INFO"
    worker_processes: int = 2
    worker_threads: int = 8
    worker_max_messages: int = Field(
        0, description="A worker process exits gracefully and is replaced after this many jobs (0: never)."
    )
    worker_max_rss_mb: int = Field(
        0, description="A worker process exits gracefully and is replaced above this RSS (0: never)."
    )
    worker_shutdown_timeout: float = Field(
        600.0, description="Seconds a stopping worker waits for running jobs before giving up on them."
    )
    allow_private_urls: bool = Field(
        False, description="Let lead URLs reach private, loopback or link-local addresses (tests, LANs)."
    )
    user_agent: str = Field(
        "leadq/0.1 (+https://example.invalid/leadq; lead research bot)",
        description="User-Agent sent to every site leadq fetches.",
    )
    http_connect_timeout: float = 10.0
    http_read_timeout: float = 30.0
    chromium_path: str = "/usr/bin/chromium"
    chromedriver_path: str = "/usr/bin/chromedriver"


class Settings(
    CoreSettings, EnrichSettings, OpsSettings, MailSettings, ScrapeSettings, PageSpeedSettings, BaseSettings
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build ``Settings(**overrides)`` instead."""
    return Settings()
