"""Headless Chromium for lab audits: started once, reused, and killed without orphans.

Starting Chromium costs about a second and a hundred MB, so a browser serves
many audits; it is restarted after ``pagespeed_browser_pages`` audits (memory
creep) or as soon as an audit fails in a way that may have left it broken. A
time limit kills chromedriver *and* every Chromium process under it (renderers,
GPU, zygote), so no orphan survives a hung page. Only Debian's chromium and
chromedriver are used: the driver path is given to Selenium, which then never
runs Selenium Manager (no downloads).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

from leadq.errors import ConfigError, TransientError
from leadq.settings import Settings

log = logging.getLogger(__name__)

HEADLESS_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--mute-audio",
)


class Browser:
    """One Chromium + chromedriver pair with a throw-away profile."""

    def __init__(self, settings: Settings) -> None:
        for path, what in (
            (settings.chromium_path, "chromium"),
            (settings.chromedriver_path, "chromedriver"),
        ):
            if not Path(path).is_file():
                raise ConfigError(
                    f"{what} not found at {path}: install Debian's chromium and chromium-driver "
                    f"(apt-get install chromium chromium-driver) or set LEADQ_{what.upper()}_PATH"
                )
        self.profile = tempfile.mkdtemp(prefix="leadq-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = settings.chromium_path
        for flag in HEADLESS_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        # CDP network events give the redirect chain and the document's status.
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        # Its own process group: Chromium forks renderers and helpers at any moment,
        # and one killpg reaches those started after any snapshot of the tree.
        self.service = Service(
            executable_path=settings.chromedriver_path, popen_kw={"start_new_session": True}
        )
        self.pages = 0
        self._dead = False
        self._lock = threading.Lock()
        try:
            self.driver = webdriver.Chrome(service=self.service, options=options)
        except WebDriverException as exc:
            self.kill()
            raise TransientError(f"cannot start Chromium: {exc.msg or exc}") from None
        self._pids = self.process_ids()

    @property
    def alive(self) -> bool:
        return not self._dead

    def process_ids(self) -> set[int]:
        """chromedriver and every process under it (browser, renderers, zygote, utilities)."""
        process = self.service.process
        if process is None:
            return set()
        try:
            root = psutil.Process(process.pid)
            return {root.pid, *(child.pid for child in root.children(recursive=True))}
        except psutil.NoSuchProcess:
            return set()

    def kill(self) -> None:
        """Kill chromedriver and all of its Chromium processes; safe from any thread.

        A second caller (the watchdog and the failing audit race) waits until the
        first one has finished, so "killed" always means "gone" when it returns.
        """
        with self._lock:
            if self._dead:
                return
            self._dead = True
            self._kill_tree()

    def _kill_tree(self) -> None:
        # Chromium's children re-parent once their parent dies, so collect the tree first.
        pids = self.process_ids() | getattr(self, "_pids", set())
        process = self.service.process
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        procs = []
        for pid in pids:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc = psutil.Process(pid)
                proc.kill()
                procs.append(proc)
        psutil.wait_procs(procs + _group_members(process.pid if process else None), timeout=5)
        if process is not None:
            with contextlib.suppress(Exception):
                process.wait(timeout=5)  # reap our direct child: no zombie
        shutil.rmtree(self.profile, ignore_errors=True)

    def close(self) -> None:
        """Quit politely, then make sure nothing is left."""
        if not self._dead:
            with contextlib.suppress(Exception):
                self.driver.quit()
        self.kill()


def _group_members(pgid: int | None) -> list[psutil.Process]:
    """Processes still in the browser's process group (killed, maybe not yet gone)."""
    if pgid is None:
        return []
    members = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(proc.pid) == pgid:
                members.append(proc)
    return members


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
