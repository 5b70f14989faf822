"""periodiq's middleware, also accepting how late a periodic actor's tick may still start.

Actors declare their cron with periodiq's own option, ``periodic=cron("…")``,
or ``periodic=CronSetting("name")`` when the user sets it (the setting's spec
is read when `leadq scheduler` starts; periodiq's own scheduler, which leadq
does not run, would not understand it), and may add APScheduler's
``misfire_grace_time`` (seconds; None: however late). Dramatiq refuses
actor options no middleware declares, so this is the middleware that
declares both; `leadq scheduler` reads them from the broker.
The scheduler sends no ``scheduled_at``, so periodiq's own skip of stale
messages never applies: whether a late tick runs is the scheduler's decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from periodiq import PeriodiqMiddleware


@dataclass(frozen=True)
class CronSetting:
    """An actor's cron spec held by the setting ``name`` (validated when settings load)."""

    name: str


class Periodic(PeriodiqMiddleware):
    """Declares ``periodic`` (periodiq) and ``misfire_grace_time`` (leadq's scheduler)."""

    actor_options = PeriodiqMiddleware.actor_options | {"misfire_grace_time"}
