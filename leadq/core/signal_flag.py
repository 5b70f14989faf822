"""A flag that a signal handler may set without deadlocking the thread it interrupts.

Python runs a signal handler in the main thread between two bytecodes. When
that thread is inside ``threading.Event.wait`` it may hold the event's lock at
that moment, and a handler calling ``Event.set`` then waits for that lock
forever: a worker process that received SIGTERM this way never stopped, and its
supervisor waited for it. Setting an attribute takes no lock, so a handler only
does that; the main loop polls it at its own pace.
"""

from __future__ import annotations

import time


class SignalFlag:
    """Set from a signal handler, read and waited on by the main thread."""

    def __init__(self) -> None:
        self._set = False

    def set(self, *_signal_args: object) -> None:
        """Usable as the handler itself: ``signal.signal(SIGTERM, flag.set)``."""
        self._set = True

    def clear(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds unless already set; whether it is set now.

        A signal arriving during the sleep runs its handler; the sleep then
        finishes (PEP 475), so a stop is noticed within ``timeout``.
        """
        if not self._set:
            time.sleep(timeout)
        return self._set
