"""Debian's headless Chromium through Selenium, launched and killed in one place.

The Google Maps scraper (``leadq.sources.browser``) and the local PageSpeed
engine (``leadq.pagespeed.browser``) both drive Chromium, and both must never
leave a process behind: a job that hits its time limit, a hung page killed by
a watchdog and a chromedriver that crashed all end here, in ``Chromium.kill``.

Every request the browser makes goes through a filtering proxy of its own
(``leadq.egress_proxy``), so no page can make it reach a private address.

Each browser is marked with the pid of the process that started it (an
environment variable chromedriver and Chromium inherit, and the profile
directory's name), so when that process dies any way at all (kill -9, OOM,
a graceful exit that skips ``finally``) its supervisor ends what it left
behind with ``kill_browsers_of(pid)``.

Only Debian's ``chromium`` and ``chromedriver`` at the configured paths are
used: giving Selenium the driver path skips Selenium Manager, so nothing is
ever downloaded.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import psutil
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

from leadq.egress_proxy import EgressProxy
from leadq.errors import PermanentError, TransientError
from leadq.settings import Settings

log = logging.getLogger(__name__)

#: Headless, no sandbox (containers, root), and nothing that talks to Google on its own.
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
    "--disable-breakpad",
    "--disable-extensions",
    "--mute-audio",
)
#: Seconds Chromium gets to exit after SIGTERM on ``close()`` before SIGKILL.
KILL_GRACE = 3.0
#: Seconds to wait for SIGKILLed processes to be gone (they only need scheduling).
KILL_WAIT = 5.0
#: Environment variable naming the pid of the process a browser belongs to.
OWNER_ENV = "LEADQ_BROWSER_OWNER"
#: Profile directories are ``<tmp>/leadq-chromium-<owner pid>-<random>``.
PROFILE_PREFIX = "leadq-chromium-"
#: WebRTC may only use the proxy (the flags say it too; the preferences are what every version reads).
WEBRTC_PREFS = {
    "webrtc.ip_handling_policy": "disable_non_proxied_udp",
    "webrtc.multiple_routes_enabled": False,
    "webrtc.nonproxied_udp_enabled": False,
}


class BrowserUnavailable(PermanentError):
    """Chromium or chromedriver is not installed: retrying cannot fix it.

    Permanent, so a queued job goes straight to the dead letters with this
    message, and a ``LeadqError``, so the CLI prints it as one line.
    """


def check_installed(settings: Settings) -> None:
    """Raise ``BrowserUnavailable`` naming what is missing and how to install or point to it."""
    for path, what in ((settings.chromium_path, "chromium"), (settings.chromedriver_path, "chromedriver")):
        if not Path(path).is_file():
            raise BrowserUnavailable(
                f"{what} not found at {path}: install Debian's chromium and chromium-driver "
                f"(`sudo apt-get install chromium chromium-driver`) or set LEADQ_{what.upper()}_PATH"
            )


class Chromium:
    """One headless Chromium + chromedriver with a throw-away profile, in a process group of its own.

    Starts in the constructor (``driver`` is ready when it returns) and must
    end with ``close()`` (polite) or ``kill()`` (at once, from any thread).
    ``arguments`` are Chromium flags on top of ``HEADLESS_FLAGS``,
    ``capabilities`` extra WebDriver capabilities, ``trusted_origins`` URLs
    whose exact host and port the browser may reach even when private (a
    source's configured base URL, and always ``settings.private_origins``).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        arguments: Iterable[str] = (),
        capabilities: Mapping[str, Any] | None = None,
        trusted_origins: Iterable[str] = (),
    ) -> None:
        check_installed(settings)
        self.profile_dir = tempfile.mkdtemp(prefix=f"{PROFILE_PREFIX}{os.getpid()}-")
        self._dead = False
        self._lock = threading.Lock()
        self._started: list[psutil.Process] = []
        self.proxy = EgressProxy(
            allow_private=settings.allow_private_urls,
            trusted_origins=(*settings.private_origins, *trusted_origins),
            connect_timeout=settings.http_connect_timeout,
        ).start()
        options = webdriver.ChromeOptions()
        options.binary_location = settings.chromium_path
        flags = (
            *HEADLESS_FLAGS,
            *self.proxy.chromium_flags(),
            *arguments,
            f"--user-data-dir={self.profile_dir}",
        )
        for flag in flags:
            options.add_argument(flag)
        options.add_experimental_option("prefs", WEBRTC_PREFS)
        for name, value in (capabilities or {}).items():
            options.set_capability(name, value)
        # Its own process group: Chromium forks renderers and helpers at any moment,
        # and one killpg reaches those started after any snapshot of the tree. Kept
        # before the driver exists so kill() finds chromedriver even when startup
        # itself is interrupted (a time limit, a failed session).
        self.service = Service(
            executable_path=settings.chromedriver_path,
            log_output=subprocess.DEVNULL,
            popen_kw={"start_new_session": True},
            env={**os.environ, OWNER_ENV: str(os.getpid())},
        )
        try:
            self.driver = webdriver.Chrome(service=self.service, options=options)
        except BaseException as exc:
            self.kill()
            if isinstance(exc, WebDriverException):  # e.g. out of memory: worth another try later
                raise TransientError(f"headless Chromium did not start: {error_line(exc)}") from None
            raise
        # Chromium's children re-parent once their parent dies: remember them now.
        self._started = self._processes()

    @property
    def alive(self) -> bool:
        """False once ``kill()`` or ``close()`` is ending it: the driver must not be used."""
        return not self._dead

    def close(self) -> None:
        """Quit politely, give what is left ``KILL_GRACE`` seconds after SIGTERM, then kill it."""
        if not self._dead:
            try:
                self.driver.quit()
            except Exception as exc:  # the tree is killed below whatever went wrong
                log.warning("chromium quit failed (%s); killing its processes", error_line(exc))
        self._end(grace=KILL_GRACE)

    def kill(self) -> None:
        """SIGKILL chromedriver and all of its Chromium processes; safe from any thread.

        A second caller (a watchdog racing the failing job) waits until the
        first one has finished, so "killed" always means "gone" when it returns.
        """
        self._end(grace=0.0)

    def _end(self, *, grace: float) -> None:
        with self._lock:
            if self._dead:
                return
            self._dead = True
            process = self._chromedriver()
            stages = [(signal.SIGTERM, grace)] if grace else []
            for signum, wait in (*stages, (signal.SIGKILL, KILL_WAIT)):
                # A fresh look each time: helpers forked since the last one are included.
                live = self._processes()
                if process is not None:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(process.pid, signum)
                for proc in live:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        proc.send_signal(signum)
                live = _wait_gone(live, wait)
                if not live:
                    break
            else:
                log.warning("chromium processes %s survived SIGKILL", [proc.pid for proc in live])
            if process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=KILL_WAIT)  # reap our direct child: no zombie
            shutil.rmtree(self.profile_dir, ignore_errors=True)
            self.proxy.close()

    def _chromedriver(self) -> subprocess.Popen | None:
        """chromedriver (our direct child, leader of the process group), once launched.

        Selenium sets ``service.process`` only when it starts the driver, so an
        interrupted startup may not have one.
        """
        return getattr(self.service, "process", None)

    def _processes(self) -> list[psutil.Process]:
        """chromedriver, its process group, every process naming this profile directory
        (Chromium re-parented after chromedriver died), all their descendants, and
        whatever ran right after startup."""
        process = self._chromedriver()
        pgid = process.pid if process is not None else None
        marker = f"--user-data-dir={self.profile_dir}"
        roots = []
        # Only while not reaped (by quit() or us) is that pid still chromedriver's.
        if process is not None and process.poll() is None:
            with contextlib.suppress(psutil.NoSuchProcess):
                roots.append(psutil.Process(process.pid))
        for proc in psutil.process_iter(["cmdline"]):
            with contextlib.suppress(psutil.Error, OSError):
                named = marker in (proc.info["cmdline"] or ())
                if named or (pgid is not None and os.getpgid(proc.pid) == pgid):
                    roots.append(proc)
        found = {proc.pid: proc for proc in self._started}
        for root in roots:
            with contextlib.suppress(psutil.NoSuchProcess):
                found.update({proc.pid: proc for proc in (root, *root.children(recursive=True))})
        return list(found.values())


def job_deadline() -> float | None:
    """``time.monotonic()`` by which the running job's time limit has fired; None outside a job.

    Dramatiq's ``TimeLimit`` checks every ``interval`` ms and then raises in the
    job's thread, but only when that thread runs Python again, never while it
    waits on chromedriver's socket: the ``Watchdog`` kills the browser at this
    deadline, after Dramatiq's check, so the wait ends and the job stops with
    ``TimeLimitExceeded`` rather than a dead browser's connection error.
    """
    from dramatiq.middleware import CurrentMessage, TimeLimit

    if CurrentMessage.get_current_message() is None:
        return None
    from leadq.core.broker import current_runtime

    for middleware in current_runtime().broker.middleware:
        if isinstance(middleware, TimeLimit):
            deadlines = getattr(middleware.manager, "deadlines", {})
            if threading.get_ident() in deadlines:
                # Every job gets a deadline; None means it has already fired.
                deadline = deadlines[threading.get_ident()]
                if deadline is None:
                    return time.monotonic()
                return deadline + getattr(middleware.manager, "interval", 1.0) + 0.25
    return None


def _job_cancelled() -> Callable[[], bool] | None:
    """A check, callable from any thread, of whether the running job was cancelled."""
    from dramatiq.middleware import CurrentMessage

    message = CurrentMessage.get_current_message()
    if message is None:
        return None
    from leadq.core.broker import current_runtime

    cancels = current_runtime().cancels
    return lambda: cancels.is_cancelled(message.message_id)


WATCHDOG_REASONS = {
    "time": "its job ran out of time",
    "cancelled": "its job was cancelled",
    "shutdown": "its worker is stopping",
}


class Watchdog:
    """Kills a browser when its job's time is up, the job is cancelled or its worker stops.

    Enter it in the job's thread (it reads the job's time limit and id there)
    around everything the job does with the browser. ``seconds`` is an extra,
    shorter limit of the caller's own (an audit's timeout). Once the browser is
    killed, every driver call fails at once, so the job's thread runs Python
    again and the time limit or ``checkpoint()`` can land.
    """

    POLL = 0.2

    def __init__(self, chromium: Chromium, *, seconds: float | None = None) -> None:
        self.chromium = chromium
        limits = [job_deadline(), time.monotonic() + seconds if seconds else None]
        self.deadline = min((limit for limit in limits if limit is not None), default=None)
        self._cancelled = _job_cancelled()
        # Dramatiq's worker thread: stopping the worker sets its ``running`` to False.
        self._job_thread = threading.current_thread()
        #: "time", "cancelled" or "shutdown" once the watchdog has killed the browser.
        self.fired: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="leadq-browser-watchdog", daemon=True)

    def remaining(self, cap: float) -> float:
        """``cap`` seconds, or less when the deadline is nearer (at least a tenth of a second)."""
        if self.deadline is None:
            return cap
        return max(0.1, min(cap, self.deadline - time.monotonic()))

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def __enter__(self) -> Watchdog:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _watch(self) -> None:
        while not self._stop.wait(self.POLL):
            if self.deadline is not None and time.monotonic() >= self.deadline:
                self.fired = "time"
            elif self._cancelled is not None and self._cancelled():
                self.fired = "cancelled"
            elif getattr(self._job_thread, "running", True) is False:
                self.fired = "shutdown"
            else:
                continue
            log.warning("killing headless Chromium: %s", WATCHDOG_REASONS[self.fired])
            self.chromium.kill()
            return


def browsers_of(owner_pid: int) -> list[psutil.Process]:
    """Live chromedriver and Chromium processes started by process ``owner_pid``."""
    found = []
    for proc in psutil.process_iter(["name"]):
        with contextlib.suppress(psutil.Error, OSError):
            if "chrom" in (proc.info["name"] or "") and proc.environ().get(OWNER_ENV) == str(owner_pid):
                found.append(proc)
    return [proc for proc in found if not _gone(proc)]


def kill_browsers_of(owner_pid: int) -> int:
    """SIGKILL every browser process a dead process ``owner_pid`` left behind and remove
    its profile directories; returns how many processes were killed.

    For a supervisor once its worker process has exited: nothing of that
    process can use them any more, and each tree holds hundreds of MB.
    """
    live = browsers_of(owner_pid)
    for proc in live:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    survivors = _wait_gone(live, KILL_WAIT)
    if survivors:
        log.warning("browser processes %s of pid %d survived SIGKILL", [p.pid for p in survivors], owner_pid)
    for profile in glob.glob(os.path.join(tempfile.gettempdir(), f"{PROFILE_PREFIX}{owner_pid}-*")):
        shutil.rmtree(profile, ignore_errors=True)
    return len(live)


def _gone(proc: psutil.Process) -> bool:
    """Exited, or its pid reused; a zombie is gone too (only its parent can reap it; it holds nothing)."""
    try:
        return not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(processes: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    """Those of ``processes`` still running after up to ``seconds``."""
    live = [proc for proc in processes if not _gone(proc)]
    deadline = time.monotonic() + seconds
    while live and time.monotonic() < deadline:
        time.sleep(0.02)
        live = [proc for proc in live if not _gone(proc)]
    return live


def error_line(exc: BaseException) -> str:
    """The first line of a Selenium error (its message carries a long stack trace after)."""
    text = getattr(exc, "msg", None) or str(exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0]
