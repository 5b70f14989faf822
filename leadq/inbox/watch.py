"""Watch the IMAP folder: act on mail as it arrives (IMAP IDLE), or poll where the server has no IDLE.

One connection stays open. After each poll (leadq.inbox.imap.poll_folder)
the watcher waits for the next change:

- with IDLE (RFC 2177, advertised in the server's capabilities and
  LEADQ_IMAP_IDLE on) the server pushes a line when mail arrives; any line
  ends the wait and the folder is polled, so "* OK still here" keep-alives
  only cost a UID SEARCH. IDLE is re-issued every ``IDLE_RENEW`` seconds:
  RFC 2177 lets a server drop a client idle for 30 minutes, and NAT boxes
  drop quiet connections sooner.
- without IDLE it sleeps LEADQ_IMAP_POLL_INTERVAL seconds between polls.

A dropped connection (or a server that cannot be reached) is retried with a
doubling delay from ``FIRST_DELAY`` to ``MAX_DELAY`` seconds, back to the
first after a poll that worked; bad credentials or folder end the watch
(ConfigError). ``stop`` is looked at every ``STOP_CHECK`` seconds while
idling, so SIGTERM or Ctrl-C (which set it) end the watch within a second,
with IDLE ended and the session logged out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError

from leadq.ai.engine import ModelCall
from leadq.errors import TransientError
from leadq.inbox.imap import PollResult, close, connect, poll_folder
from leadq.settings import Settings

logger = logging.getLogger(__name__)

IDLE_RENEW = 10 * 60.0
STOP_CHECK = 1.0
FIRST_DELAY = 1.0
MAX_DELAY = 60.0


def uses_idle(settings: Settings, capabilities: tuple[bytes, ...]) -> bool:
    """IDLE when the server advertises it and LEADQ_IMAP_IDLE allows it."""
    return settings.imap_idle and b"IDLE" in {capability.upper() for capability in capabilities}


@dataclass
class InboxWatcher:
    """Polls ``settings``' folder whenever it may have changed, until ``stop`` is set.

    ``on_poll`` gets each poll's result and whether the connection idles
    (True) or polls on a timer (False).
    """

    settings: Settings
    stop: threading.Event
    on_poll: Callable[[PollResult, bool], None]
    model_call: ModelCall | None = None
    idle_renew: float = IDLE_RENEW
    #: Seconds before the next connection attempt; back to FIRST_DELAY after a poll that worked.
    delay: float = field(default=FIRST_DELAY, init=False)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                conn = connect(self.settings)
            except TransientError as exc:
                self._back_off(f"{exc}; trying again")
                continue
            try:
                self._serve(conn)
            except (OSError, IMAPClientAbortError, TransientError) as exc:
                if not self.stop.is_set():
                    self._back_off(f"IMAP connection lost ({exc}); reconnecting")
            finally:
                close(conn)

    def _back_off(self, what: str) -> None:
        logger.warning("%s in %g s", what, self.delay)
        self.stop.wait(self.delay)
        self.delay = min(self.delay * 2, MAX_DELAY)

    def _serve(self, conn: IMAPClient) -> None:
        """Poll, wait for a change, poll again, until ``stop``; raises when the connection drops."""
        idle = uses_idle(self.settings, conn.capabilities())
        logger.info(
            "watching %s %s",
            self.settings.imap_folder,
            "with IMAP IDLE" if idle else f"by polling every {self.settings.imap_poll_interval:g} s",
        )
        while not self.stop.is_set():
            result = poll_folder(conn, self.settings, model_call=self.model_call)
            self.delay = FIRST_DELAY
            self.on_poll(result, idle)
            if idle:
                self._idle(conn)
            else:
                self.stop.wait(self.settings.imap_poll_interval)

    def _idle(self, conn: IMAPClient) -> None:
        """Return when the server says something, ``idle_renew`` has passed, or ``stop`` is set."""
        conn.idle()
        try:
            renew_at = time.monotonic() + self.idle_renew
            while not self.stop.is_set():
                wait = min(STOP_CHECK, renew_at - time.monotonic())
                if wait <= 0:
                    break
                started = time.monotonic()
                if conn.idle_check(timeout=wait):
                    break
                if time.monotonic() - started < wait / 2:
                    # Readable yet no line: the server closed the connection. Ending IDLE says so.
                    break
        finally:
            conn.idle_done()
