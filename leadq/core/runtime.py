"""The engine of one process in one typed object: broker, settings, job history, cancellations, rate limits.

``leadq.core.broker`` builds a runtime with every broker and installs both
together; engine code and actors read collaborators from
``current_runtime()`` instead of attributes pinned on Dramatiq's broker, and
middleware gets its collaborators when it is constructed. This module imports
none of them at run time, so any layer above ground may name the type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dramatiq
    from dramatiq.rate_limits import RateLimiterBackend

    from leadq.core.cancel import CancelRegistry
    from leadq.core.history import HistoryRecorder
    from leadq.settings import Settings


@dataclass(eq=False)
class Runtime:
    """What a process runs jobs with; built once per broker by ``core.broker.build_runtime``."""

    broker: dramatiq.Broker
    settings: Settings
    history: HistoryRecorder
    cancels: CancelRegistry
    rate_limiter_backend: RateLimiterBackend
    #: Whether the middleware was told this process runs jobs (``process_boot``).
    booted: bool = False
