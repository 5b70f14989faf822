"""Where demos are published: LEADQ_DEMO_ROOT or LEADQ_DEMO_RSYNC_TARGET, served at LEADQ_DEMO_BASE_URL.

The copying itself is ``leadq.webpublish``'s; website reports are published to
the same destination, each demo and report in a directory named by its token.
"""

from __future__ import annotations

from pathlib import Path

from leadq.errors import ConfigError
from leadq.settings import Settings
from leadq.webpublish import WebDestination


def destination(settings: Settings) -> WebDestination:
    """The configured destination; ConfigError naming the setting that is missing."""
    if not (settings.demo_root or settings.demo_rsync_target):
        raise ConfigError(
            "set LEADQ_DEMO_ROOT (a directory your web server serves) or LEADQ_DEMO_RSYNC_TARGET"
        )
    if not settings.demo_base_url:
        raise ConfigError("set LEADQ_DEMO_BASE_URL to the public URL demos are served from")
    return WebDestination(
        base_url=settings.demo_base_url, root=settings.demo_root, rsync_target=settings.demo_rsync_target
    )


def check_destination(settings: Settings) -> None:
    destination(settings)


def publish_site(settings: Settings, site: Path, token: str) -> str:
    """Copy ``site`` to the destination as ``<token>/``; its public URL."""
    return destination(settings).publish(site, token)


def unpublish_site(settings: Settings, token: str) -> None:
    """Remove ``<token>/`` from the destination (nothing to do when it is not there)."""
    destination(settings).unpublish(token)
