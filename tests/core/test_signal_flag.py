"""SignalFlag: what a signal handler sets, without a lock (see leadq.core.signal_flag)."""

from __future__ import annotations

import os
import signal
import threading
import time

from leadq.core.signal_flag import SignalFlag


def test_a_signal_during_wait_is_seen_when_the_wait_ends():
    flag = SignalFlag()
    previous = signal.signal(signal.SIGUSR1, flag.set)
    try:
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGUSR1)).start()
        started = time.monotonic()
        while not flag.wait(0.2):
            assert time.monotonic() - started < 5, "the signal was never seen"
        assert flag.is_set()
    finally:
        signal.signal(signal.SIGUSR1, previous)


def test_a_set_flag_does_not_sleep_and_clear_resets_it():
    flag = SignalFlag()
    flag.set()
    started = time.monotonic()
    assert flag.wait(10) is True
    assert time.monotonic() - started < 1
    flag.clear()
    assert flag.wait(0.01) is False
