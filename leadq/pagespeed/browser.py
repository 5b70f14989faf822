"""Headless Chromium for lab audits: started once, reused, and killed without orphans.

Starting Chromium costs about a second and a hundred MB, so a browser serves
many audits; it is restarted after ``pagespeed_browser_pages`` audits (memory
creep) or as soon as an audit fails in a way that may have left it broken.
Launching and killing (a time limit takes chromedriver and every Chromium
process under it) are ``leadq.browser``'s; what is the audit's own is the CDP
performance log, the page count and the pool.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from leadq.browser import Chromium
from leadq.settings import Settings


class Browser(Chromium):
    """A Chromium that logs CDP network events and counts the audits it served.

    ``emulating`` is the preset (mobile or desktop) its tab's screen, user
    agent and CPU slowdown are set to: they last across navigations, so an audit
    of the same preset as the previous one need not send them again (each
    command is a round trip through chromedriver, tens of ms on a busy machine).
    ``blank`` says its tab shows about:blank, where every audit starts (the
    film's first frame is that empty page).
    """

    def __init__(self, settings: Settings) -> None:
        # CDP network events give the redirect chain and the document's status.
        super().__init__(settings, capabilities={"goog:loggingPrefs": {"performance": "ALL"}})
        self.pages = 0
        self.emulating: str | None = None
        self.blank = False


class BrowserPool:
    """At most ``pagespeed_concurrency`` browsers per process, each reused across audits.

    A worker thread leases a browser for one audit; idle browsers wait in the
    pool for the next audit (so one busy thread keeps reusing one browser).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._slots = threading.BoundedSemaphore(max(1, settings.pagespeed_concurrency))
        self._idle: list[Browser] = []
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def lease(self) -> Iterator[Browser]:
        """A live browser for one audit. Any exception (time limit, cancel, crash) kills it."""
        with self._slots:
            with self._lock:
                browser = self._idle.pop() if self._idle else None
            if browser is None or not browser.alive:
                browser = Browser(self.settings)
            try:
                yield browser
            except BaseException:
                browser.kill()
                raise
            browser.pages += 1
            if not browser.alive or browser.pages >= self.settings.pagespeed_browser_pages:
                browser.close()
            else:
                with self._lock:
                    self._idle.append(browser)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for browser in idle:
            browser.close()
