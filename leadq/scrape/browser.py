"""Headless Chromium for sources that only render in a browser (Google Maps).

Always Debian's ``chromium`` and ``chromedriver`` at the configured paths:
giving Selenium the driver path skips Selenium Manager, so nothing is ever
downloaded. Each job starts its own browser with a fresh profile and closes it
in ``finally``; closing kills chromedriver's whole process tree (Chromium's
zygote, renderers, GPU process) even when ``quit()`` fails or hangs, so a time
limit or an error never leaves Chromium processes behind.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psutil
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from leadq.errors import Deferred, PermanentError, TransientError
from leadq.settings import Settings

log = logging.getLogger(__name__)

#: Headless, no sandbox (containers, root), and nothing that talks to Google on its own.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-breakpad",
    "--disable-extensions",
    "--mute-audio",
    # Pictures are not read, so not downloaded: fewer requests to the site, faster pages.
    "--blink-settings=imagesEnabled=false",
    "--window-size=1280,900",
)
#: Seconds processes get to exit after SIGTERM before SIGKILL.
KILL_GRACE = 3.0
#: Seconds a job waits for a free browser slot before deferring itself.
SLOT_WAIT = 5.0
#: Re-run delay (ms) of a job that found every browser slot of its process taken.
SLOT_RETRY_MS = 3000

_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _slot(size: int) -> threading.BoundedSemaphore:
    """The process-wide semaphore bounding how many browsers run at once."""
    with _slots_lock:
        return _slots.setdefault(size, threading.BoundedSemaphore(max(size, 1)))


class BrowserUnavailable(PermanentError):
    """Chromium or chromedriver is not installed: retrying cannot fix it."""


class Browser:
    """One headless Chromium session. Start with ``start()``, always ``close()``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.driver: WebDriver | None = None
        self.profile_dir: str | None = None
        self._service: Service | None = None
        self._slot = _slot(settings.browser_max_per_process)
        self._holding_slot = False

    def start(self) -> WebDriver:
        """Launch Chromium (once); a full process waits briefly, then defers the job."""
        if self.driver is not None:
            return self.driver
        for path in (self.settings.chromium_path, self.settings.chromedriver_path):
            if not Path(path).is_file():
                raise BrowserUnavailable(
                    f"{path} not found: install Debian's chromium and chromium-driver "
                    "(`sudo apt-get install chromium chromium-driver`)"
                )
        if not self._slot.acquire(timeout=SLOT_WAIT):
            raise Deferred("every headless Chromium slot of this worker is busy", delay=SLOT_RETRY_MS)
        self._holding_slot = True
        self.profile_dir = tempfile.mkdtemp(prefix="leadq-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = self.settings.chromium_path
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile_dir}")
        options.add_argument(f"--user-agent={self.settings.user_agent}")
        # Kept so close() finds chromedriver even when startup itself is interrupted.
        self._service = Service(
            executable_path=self.settings.chromedriver_path, log_output=subprocess.DEVNULL
        )
        try:
            self.driver = webdriver.Chrome(service=self._service, options=options)
        except BaseException as exc:
            self.close()
            if isinstance(exc, WebDriverException):  # e.g. out of memory: worth another try later
                raise TransientError(f"headless Chromium did not start: {_first_line(exc)}") from None
            raise
        self.driver.set_page_load_timeout(self.settings.browser_page_timeout)
        self.driver.set_script_timeout(self.settings.browser_element_timeout)
        # A hung browser must not hold the job past its time limit on one command.
        self.driver.command_executor.client_config.timeout = self.settings.browser_page_timeout + 10
        return self.driver

    def load(self, url: str) -> WebDriver:
        """Navigate to ``url``; a slow or failed load is transient (retried later)."""
        driver = self.start()
        try:
            driver.get(url)
        except TimeoutException:
            raise TransientError(
                f"page load took over {self.settings.browser_page_timeout:g}s: {url}"
            ) from None
        except WebDriverException as exc:
            raise TransientError(f"browser could not load {url}: {_first_line(exc)}") from None
        return driver

    def close(self) -> None:
        """Quit Chromium, kill whatever of its process tree is left, delete the profile."""
        driver, self.driver = self.driver, None
        service, self._service = self._service, None
        if service is not None:
            process = getattr(service, "process", None)
            tree = _process_tree(process.pid if process else None, self.profile_dir)
            try:
                if driver is not None:
                    driver.quit()
            except Exception as exc:  # the tree is killed below whatever went wrong
                log.warning("chromium quit failed (%s); killing its processes", _first_line(exc))
            _kill(tree)
        if self.profile_dir:
            shutil.rmtree(self.profile_dir, ignore_errors=True)
            self.profile_dir = None
        if self._holding_slot:
            self._holding_slot = False
            self._slot.release()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _process_tree(driver_pid: int | None, profile_dir: str | None) -> list[psutil.Process]:
    """chromedriver, Chromium (every process naming this session's own profile directory,
    even once re-parented after a driver crash) and all their descendants."""
    roots = []
    if driver_pid is not None:
        try:
            roots.append(psutil.Process(driver_pid))
        except psutil.NoSuchProcess:
            pass
    if profile_dir:
        marker = f"--user-data-dir={profile_dir}"
        roots += [p for p in psutil.process_iter(["cmdline"]) if marker in (p.info["cmdline"] or ())]
    found: dict[int, psutil.Process] = {}
    for root in roots:
        try:
            found.update({p.pid: p for p in (root, *root.children(recursive=True))})
        except psutil.NoSuchProcess:
            continue
    return list(found.values())


def _gone(process: psutil.Process) -> bool:
    """Exited: a zombie is gone too (only its parent can reap it, and it holds nothing)."""
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _kill(processes: list[psutil.Process]) -> None:
    """SIGTERM, then SIGKILL after ``KILL_GRACE`` seconds, whatever is still running."""
    live = processes
    for signal_name in ("terminate", "kill"):
        live = [process for process in live if not _gone(process)]
        for process in live:
            try:
                getattr(process, signal_name)()
            except psutil.NoSuchProcess:
                continue
        deadline = time.monotonic() + KILL_GRACE
        while live and time.monotonic() < deadline:
            time.sleep(0.02)
            live = [process for process in live if not _gone(process)]
        if not live:
            return
    log.warning("chromium processes %s survived SIGKILL", [process.pid for process in live])


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "msg", None) or str(exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0]
