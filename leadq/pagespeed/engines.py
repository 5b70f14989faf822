"""The engine interface and the choice of engine.

Every engine turns (URL, strategy) into an ``AuditRecord`` and raises leadq's
typed errors, so actors and the CLI do not care which one ran.
"""

from __future__ import annotations

import atexit
import multiprocessing.util
import os
import threading
from collections.abc import Callable
from typing import Protocol

from leadq.errors import ConfigError
from leadq.pagespeed.psi import run_psi
from leadq.pagespeed.record import ENGINES, AuditRecord, Strategy
from leadq.settings import Settings


class Engine(Protocol):
    name: str

    def audit(
        self, url: str, strategy: Strategy, *, checkpoint: Callable[[], None] | None = None
    ) -> AuditRecord: ...

    def close(self) -> None: ...


class PsiEngine:
    """PageSpeed Insights: Google runs Lighthouse and adds Chrome UX Report field data."""

    name = "psi"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def audit(
        self, url: str, strategy: Strategy, *, checkpoint: Callable[[], None] | None = None
    ) -> AuditRecord:
        return run_psi(url, strategy, self.settings)

    def close(self) -> None:
        """Nothing held between calls."""


def resolve_engine_name(settings: Settings, requested: str | None = None) -> str:
    """The engine to use: the one asked for, else the setting; ``auto`` means PSI only with a key."""
    name = requested or settings.pagespeed_engine
    if name == "auto":
        return "psi" if settings.psi_api_key else "local"
    if name not in ENGINES:
        raise ConfigError(f"unknown PageSpeed engine {name!r}; choose one of {', '.join(ENGINES)}")
    return name


def build_engine(name: str, settings: Settings) -> Engine:
    if name == "psi":
        return PsiEngine(settings)
    if name == "local":
        from leadq.pagespeed.local import LocalEngine

        return LocalEngine(settings)
    if name == "lighthouse":
        from leadq.pagespeed.lighthouse import LighthouseEngine

        return LighthouseEngine(settings)
    raise ConfigError(f"unknown PageSpeed engine {name!r}; choose one of {', '.join(ENGINES)}")


_engines: dict[tuple[int, str, str], Engine] = {}
_lock = threading.Lock()


def shared_engine(name: str, settings: Settings) -> Engine:
    """One engine per process, name and settings, so browsers are reused across jobs.

    The process id is part of the key: a forked worker must start its own
    browsers, never drive (or kill) its parent's.
    """
    key = (os.getpid(), name, settings.model_dump_json())
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            if not any(k[0] == key[0] for k in _engines):
                # A forked child starts with multiprocessing's finalizers cleared,
                # so each process registers its own.
                multiprocessing.util.Finalize(None, close_engines, exitpriority=100)
            engine = _engines[key] = build_engine(name, settings)
    return engine


def close_engines() -> None:
    """Close this process's shared engines (and their browsers)."""
    pid = os.getpid()
    with _lock:
        mine = [key for key in _engines if key[0] == pid]
        engines = [_engines.pop(key) for key in mine]
    for engine in engines:
        engine.close()


# atexit covers normal exits; multiprocessing children (forked worker processes) leave
# through os._exit, which skips atexit but runs multiprocessing's finalizers.
atexit.register(close_engines)
