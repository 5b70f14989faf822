"""Builds leadq's broker and declares actors on it.

One function builds the broker with the full middleware list, Redis or
embedded alike, so an actor behaves the same in a worker and in `--inline`.
Dramatiq binds an actor to a broker when it is declared, so the broker is
installed before ``leadq.actors`` is imported; when a process switches
brokers (tests, `--inline` after a Redis command) the declared actors are
re-bound to the new one. The broker is installed with the ``Runtime`` built
around it, which ``current_runtime()`` returns: engine state is never read
from attributes on Dramatiq's broker.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    GroupCallbacks,
    Pipelines,
    ShutdownNotifications,
    TimeLimit,
)
from dramatiq.rate_limits.backends import RedisBackend as RedisRateLimiterBackend
from dramatiq.rate_limits.backends import StubBackend as StubRateLimiterBackend

from leadq.core.cancel import Cancellation, CancelRegistry, LocalCancelRegistry, RedisCancelRegistry
from leadq.core.history import HistoryRecorder, JobHistory
from leadq.core.periodic import Periodic
from leadq.core.redis_broker import LeadqRedisBroker, LeadqStubBroker
from leadq.core.redis_client import redis_client
from leadq.core.retries import TypedRetries
from leadq.core.runtime import Runtime
from leadq.core.vocabulary import QUEUES
from leadq.errors import Cancelled, ConfigError, PermanentError
from leadq.settings import Settings, get_settings

_lock = threading.RLock()
_state: dict[str, Any] = {}
_declared: list[dramatiq.Actor] = []


def build_runtime(settings: Settings, *, inline: bool = False, broker_id: str | None = None) -> Runtime:
    """A Redis or embedded broker with leadq's whole middleware list, in the runtime it runs jobs with."""
    recorder = HistoryRecorder(settings)
    if settings.uses_redis and not inline:
        client = redis_client(settings)
        limiter_backend = RedisRateLimiterBackend(client=client)
        cancels: CancelRegistry = RedisCancelRegistry(client, settings.namespace)
    else:
        limiter_backend = StubRateLimiterBackend()
        cancels = LocalCancelRegistry()
    # Dramatiq calls "after" hooks in reverse order: JobHistory sits before
    # TypedRetries so it sees the retry decision (message.failed) when it records.
    # No Results middleware: job outcomes live in job history, and nothing
    # read the results it wrote to Redis after every job.
    middleware = [
        JobHistory(recorder),
        Cancellation(cancels),
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        GroupCallbacks(limiter_backend),
        TypedRetries(),
        CurrentMessage(),
        Periodic(),
    ]
    if settings.uses_redis and not inline:
        broker = LeadqRedisBroker(
            settings=settings, middleware=middleware, client=client, broker_id=broker_id
        )
    else:
        broker = LeadqStubBroker(settings=settings, middleware=middleware)
    for queue in QUEUES:
        broker.declare_queue(queue)
    return Runtime(
        broker=broker,
        settings=settings,
        history=recorder,
        cancels=cancels,
        rate_limiter_backend=limiter_backend,
    )


def setup_broker(
    settings: Settings | None = None,
    *,
    inline: bool = False,
    broker_id: str | None = None,
    before_build: Callable[[Settings], object] | None = None,
) -> dramatiq.Broker:
    """Build and install the broker, then declare every leadq actor on it.

    ``before_build`` runs first whenever a new broker is built: ops starts
    Sentry there, whose Dramatiq integration patches ``Broker.__init__``.
    """
    settings = settings or get_settings()
    with _lock:
        current = _state.get("runtime")
        # Identity, not equality or id(): the state holds the settings object,
        # so a new object can never pass for one that was freed.
        if current is not None and current.settings is settings and _state.get("key") == (inline, broker_id):
            return current.broker
        if before_build is not None:
            before_build(settings)
        runtime = build_runtime(settings, inline=inline, broker_id=broker_id)
        _install(runtime, key=(inline, broker_id))
    for module in ("leadq.actors", *settings.actor_modules):
        importlib.import_module(module)
    return runtime.broker


def _install(runtime: Runtime, *, key: tuple[bool, str | None]) -> None:
    previous = _state.get("runtime")
    if previous is not None:
        previous.history.close()
    dramatiq.set_broker(runtime.broker)
    for declared in _declared:
        declared.broker = runtime.broker
        runtime.broker.declare_actor(declared)
    _state.update(runtime=runtime, key=key)


def boot_process(runtime: Runtime) -> None:
    """Tell the middleware this process will run jobs (starts the time-limit watcher).

    Dramatiq's CLI emits this in each worker process; leadq's supervisor and
    the inline runner run workers themselves, so they emit it, once per broker.
    """
    if not runtime.booted:
        runtime.broker.emit_after("process_boot")
        runtime.booted = True


def current_runtime() -> Runtime:
    """The runtime ``setup_broker`` installed in this process (set one up from settings if none).

    Actors read their settings, and engine code its history recorder, cancel
    registry and rate-limit backend, from here.
    """
    if "runtime" not in _state:
        setup_broker()
    return _state["runtime"]


def actor(
    fn: Callable | None = None,
    *,
    queue: str,
    max_retries: int = 5,
    time_limit: float = 600,
    min_backoff: float = 1.0,
    max_backoff: float = 300,
    **options: Any,
):
    """Declare a leadq actor: its queue, retries and time limit in one place.

    Times are in seconds. ``PermanentError``, ``ConfigError`` and ``Cancelled``
    are expected outcomes (``throws``): never retried, never logged as crashes.
    A missing or invalid setting stays wrong until someone fixes it, so its job
    goes to the dead letters at once with the reason, to be requeued after the fix.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; leadq's queues are {', '.join(QUEUES)}")

    def decorate(fn: Callable) -> dramatiq.Actor:
        declared = dramatiq.actor(
            fn,
            broker=setup_broker_for_import(),
            queue_name=queue,
            max_retries=max_retries,
            time_limit=int(time_limit * 1000),
            min_backoff=int(min_backoff * 1000),
            max_backoff=int(max_backoff * 1000),
            throws=(PermanentError, ConfigError, Cancelled),
            **options,
        )
        _declared.append(declared)
        return declared

    return decorate(fn) if fn is not None else decorate


def setup_broker_for_import() -> dramatiq.Broker:
    """The installed broker, or one from settings for code that imports an actor module first."""
    with _lock:
        if "runtime" not in _state:
            _install(build_runtime(get_settings()), key=(False, None))
        return _state["runtime"].broker


def is_stub(broker: dramatiq.Broker) -> bool:
    return isinstance(broker, StubBroker)
