"""The broker of a leadq process (a worker, the scheduler, a CLI command), with Sentry started first.

The core engine knows nothing of Sentry; ops starts it just before a broker
is built, because sentry-sdk's Dramatiq integration patches ``Broker.__init__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dramatiq

    from leadq.settings import Settings


def setup_broker(
    settings: Settings | None = None, *, inline: bool = False, broker_id: str | None = None
) -> dramatiq.Broker:
    """``leadq.core.broker.setup_broker``, starting Sentry first when ``LEADQ_SENTRY_DSN`` is set."""
    from leadq.core.broker import setup_broker as setup_core_broker

    return setup_core_broker(settings, inline=inline, broker_id=broker_id, before_build=start_sentry)


def start_sentry(settings: Settings) -> None:
    if settings.sentry_dsn:
        from leadq.ops.sentry import init_sentry

        init_sentry(settings)
