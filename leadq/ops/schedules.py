"""The cron schedules declared on actors, read from the broker as periodiq reads them.

An actor is scheduled by declaring it with periodiq's option,
``@actor(queue=..., periodic=cron("*/15 * * * *"))``, in leadq's actor modules
or a user's own (``LEADQ_ACTOR_MODULES``). periodiq's own scheduler lists
``broker.actors`` and keeps those with a ``periodic`` option; so does this module.
``periodic=CronSetting("name")`` takes the spec from that setting, so these
are read with the settings the scheduler runs with.
``misfire_grace_time`` says how late a tick may still start (seconds; None:
however late, the latest missed tick runs once); without it, a tick runs only
within ``LEADQ_SCHEDULE_ON_TIME_WINDOW``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import dramatiq

from leadq.core.periodic import CronSetting
from leadq.cron import Cron, from_periodiq, parse_cron
from leadq.ops.cron_trigger import LeadqCronTrigger
from leadq.settings import Settings

#: ``misfire_grace_time`` left to the setting.
DEFAULT_GRACE = object()


@dataclass(frozen=True)
class PeriodicActor:
    """One actor declared with ``periodic=cron("…")``."""

    actor: dramatiq.Actor
    cron: Cron
    misfire_grace: float | None | object

    @property
    def name(self) -> str:
        return self.actor.actor_name

    @property
    def queue(self) -> str:
        return self.actor.queue_name

    @property
    def path(self) -> str:
        return f"{self.actor.fn.__module__}:{self.actor.fn.__name__}"

    def trigger(self, timezone: str) -> LeadqCronTrigger:
        return LeadqCronTrigger(self.cron.spec, timezone)

    def grace(self, on_time_window: float) -> int | None:
        """Seconds a tick may start late (None: however late), whole as APScheduler wants them."""
        grace = on_time_window if self.misfire_grace is DEFAULT_GRACE else self.misfire_grace
        return None if grace is None else math.ceil(grace)


def _cron(option: object, settings: Settings) -> Cron:
    if isinstance(option, CronSetting):
        return parse_cron(getattr(settings, option.name))
    return from_periodiq(option)


def periodic_actors(broker: dramatiq.Broker, settings: Settings) -> list[PeriodicActor]:
    """Every actor on ``broker`` declared with ``periodic=``, by name, its cron read with ``settings``."""
    found = [
        PeriodicActor(
            actor,
            _cron(actor.options["periodic"], settings),
            actor.options.get("misfire_grace_time", DEFAULT_GRACE),
        )
        for actor in broker.actors.values()
        if "periodic" in actor.options
    ]
    return sorted(found, key=lambda periodic: periodic.name)


def find_periodic(broker: dramatiq.Broker, settings: Settings, name: str) -> PeriodicActor | None:
    return next((periodic for periodic in periodic_actors(broker, settings) if periodic.name == name), None)
