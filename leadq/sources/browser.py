"""Headless Chromium for sources that only render in a browser (Google Maps).

Each job starts its own browser (``leadq.browser.Chromium``: fresh profile,
killed without orphans) on its first page and closes it in ``finally``, so a
time limit or an error never leaves Chromium processes behind. What is the
scraper's own: a bound on browsers per worker process (a full process defers
the job instead of piling up Chromiums), no images, the scraper's user agent,
and page-load errors as transient job errors.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver

from leadq.browser import Chromium, Watchdog, error_line
from leadq.errors import Cancelled, Deferred, TransientError
from leadq.settings import Settings

#: Flags on top of Chromium's headless ones.
FLAGS = (
    # Pictures are not read, so not downloaded: fewer requests to the site, faster pages.
    "--blink-settings=imagesEnabled=false",
    # A desktop-sized window: the Maps results feed lays out (and scrolls) as on a desktop.
    "--window-size=1280,900",
)
#: Seconds a job waits for a free browser slot before deferring itself.
SLOT_WAIT = 5.0
#: Re-run delay (ms) of a job that found every browser slot of its process taken.
SLOT_RETRY_MS = 3000
#: Re-run delay (ms) of a job whose worker stopped while it was loading a page.
SHUTDOWN_RETRY_MS = 1000

_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _slot(size: int) -> threading.BoundedSemaphore:
    """The process-wide semaphore bounding how many browsers run at once."""
    with _slots_lock:
        return _slots.setdefault(size, threading.BoundedSemaphore(max(size, 1)))


class Browser:
    """A job's headless Chromium, started on first use. Always ``close()``.

    ``trusted_origins``: the source's configured base URL, which the browser
    may reach even when private; every other request gets the full guard.
    """

    def __init__(self, settings: Settings, *, trusted_origins: Iterable[str] = ()) -> None:
        self.settings = settings
        self.trusted_origins = tuple(trusted_origins)
        self.chromium: Chromium | None = None
        self.watchdog: Watchdog | None = None
        self._slot = _slot(settings.browser_max_per_process)
        self._holding_slot = False

    @property
    def driver(self) -> WebDriver | None:
        return self.chromium.driver if self.chromium else None

    @property
    def profile_dir(self) -> str | None:
        return self.chromium.profile_dir if self.chromium else None

    def start(self) -> WebDriver:
        """Launch Chromium (once); a full process waits briefly, then defers the job.

        Missing binaries raise ``leadq.browser.BrowserUnavailable`` (permanent),
        a failed launch ``TransientError``.
        """
        if self.chromium is not None:
            return self.chromium.driver
        if not self._slot.acquire(timeout=SLOT_WAIT):
            raise Deferred("every headless Chromium slot of this worker is busy", delay=SLOT_RETRY_MS)
        self._holding_slot = True
        try:
            self.chromium = Chromium(
                self.settings,
                arguments=(*FLAGS, f"--user-agent={self.settings.user_agent}"),
                trusted_origins=self.trusted_origins,
            )
        except BaseException:
            self.close()
            raise
        # Started here, in the job's thread: it kills the browser at the job's
        # time limit or cancel, which cannot interrupt a driver call by themselves.
        self.watchdog = Watchdog(self.chromium).start()
        driver = self.chromium.driver
        driver.set_script_timeout(self.watchdog.remaining(self.settings.browser_element_timeout))
        # A hung browser must not hold the job past its time limit on one command.
        driver.command_executor.client_config.timeout = self.settings.browser_page_timeout + 10
        return driver

    def load(self, url: str) -> WebDriver:
        """Navigate to ``url``; a slow or failed load is transient (retried later)."""
        driver = self.start()
        driver.set_page_load_timeout(self.watchdog.remaining(self.settings.browser_page_timeout))
        try:
            driver.get(url)
        except Exception as exc:  # a killed browser fails with whatever the driver's socket met
            if self.watchdog.fired == "cancelled":
                raise Cancelled(f"cancelled while loading {url}") from None
            if self.watchdog.fired == "shutdown":  # not the job's fault: it runs again, no retry spent
                raise Deferred(f"the worker stopped while loading {url}", delay=SHUTDOWN_RETRY_MS) from None
            if self.watchdog.fired:
                raise TransientError(f"the job's time ran out while loading {url}") from None
            if isinstance(exc, TimeoutException):
                raise TransientError(
                    f"page load took over {self.settings.browser_page_timeout:g}s: {url}"
                ) from None
            if isinstance(exc, WebDriverException):
                raise TransientError(f"browser could not load {url}: {error_line(exc)}") from None
            raise
        return driver

    def close(self) -> None:
        """Close Chromium (nothing of it is left when this returns) and free the slot."""
        chromium, self.chromium = self.chromium, None
        watchdog, self.watchdog = self.watchdog, None
        if watchdog is not None:
            watchdog.stop()
        if chromium is not None:
            chromium.close()
        if self._holding_slot:
            self._holding_slot = False
            self._slot.release()
