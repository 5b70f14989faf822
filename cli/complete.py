"""Shell completion of the names and ids commands take (Tab after `--queue`, a job id, ...).

Each function gets what the user typed so far and returns matching values,
with a short help where the shell shows one. Queue names and states come from
a module without imports, so those Tabs stay instant; ids are read from the
job history or Redis, and a completion that cannot reach them offers nothing
rather than printing an error into the user's command line.
"""

from __future__ import annotations

from leadq.core.vocabulary import QUEUES, SOURCES, STATES


def queues(incomplete: str) -> list[str]:
    return [q for q in QUEUES if q.startswith(incomplete)]


def job_states(incomplete: str) -> list[str]:
    return [s for s in STATES if s.startswith(incomplete)]


def job_ids(incomplete: str) -> list[tuple[str, str]]:
    """Recent job ids from the job history, newest first, with actor and state as help."""
    try:
        from leadq.core.jobs import list_jobs
        from leadq.settings import get_settings

        jobs = list_jobs(get_settings(), limit=200)
    except Exception:  # a Tab press must never print a traceback into the command line
        return []
    return [(j.id, f"{j.actor} {j.state}") for j in jobs if j.id.startswith(incomplete)]


def dead_ids(incomplete: str) -> list[tuple[str, str]]:
    """Ids of the dead letters in Redis, with actor and error as help."""
    try:
        from leadq.core import deadletters
        from leadq.settings import get_settings

        from .runtime import open_redis_broker

        letters = deadletters.list_dead(open_redis_broker(), get_settings())
    except Exception:  # no Redis, no settings: nothing to offer
        return []
    return [(d.job_id, f"{d.actor} {d.error_type or ''}") for d in letters if d.job_id.startswith(incomplete)]


def sources(incomplete: str) -> list[str]:
    return [name for name in SOURCES if name.startswith(incomplete)]
