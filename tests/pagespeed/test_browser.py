"""Browsers are reused, restarted after N pages, and killed without orphans on a time limit."""

from __future__ import annotations

import os

import psutil
import pytest

from leadq.errors import TransientError
from leadq.pagespeed.local import LocalEngine
from leadq.settings import Settings

from .pages import install

pytestmark = pytest.mark.chromium


def browser_processes() -> set[int]:
    """chromedriver and Chromium processes under this test process."""
    found = set()
    for child in psutil.Process(os.getpid()).children(recursive=True):
        try:
            if "chrom" in child.name():
                found.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def chrome_processes_alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.NoSuchProcess:
            continue
    return alive


@pytest.fixture(scope="module")
def site(server):
    install(server)
    return server


def test_a_browser_serves_n_pages_then_is_replaced(site, tmp_path) -> None:
    engine = LocalEngine(Settings(data_dir=tmp_path, allow_private_urls=True, pagespeed_browser_pages=2))
    before = browser_processes()
    try:
        engine.audit(site.url + "/fast", "desktop")
        first = browser_processes() - before
        engine.audit(site.url + "/fast", "desktop")
        assert not chrome_processes_alive(first), "the browser must be closed after its 2nd page"
        engine.audit(site.url + "/fast", "desktop")
        assert browser_processes() - before, "a fresh browser serves the 3rd page"
    finally:
        engine.close()
    assert not chrome_processes_alive(browser_processes() - before)


def test_a_timed_out_audit_kills_its_browser_and_leaves_no_orphan(site, tmp_path) -> None:
    import threading

    engine = LocalEngine(Settings(data_dir=tmp_path, allow_private_urls=True, pagespeed_timeout=3))
    before = browser_processes()
    seen: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        # every Chromium process the hung audit starts (browser, renderers, utilities)
        while not stop.is_set():
            seen.update(browser_processes() - before)
            stop.wait(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with pytest.raises(TransientError, match="timed out after 3 s"):
            engine.audit(site.url + "/hang", "desktop")
    finally:
        stop.set()
        watcher.join()
    try:
        assert len(seen) >= 3, "chromedriver, the browser and its helpers ran"
        assert not chrome_processes_alive(seen), "no process of the killed browser survives"
        record = engine.audit(site.url + "/fast", "desktop")
        assert record.performance_score >= 90, "the pool starts a fresh browser after a kill"
    finally:
        engine.close()
    assert not chrome_processes_alive(browser_processes() - before)


def test_a_cancelled_audit_kills_its_browser(site, tmp_path) -> None:
    from leadq.errors import Cancelled

    engine = LocalEngine(Settings(data_dir=tmp_path, allow_private_urls=True))
    before = browser_processes()

    def cancel() -> None:
        raise Cancelled("job was cancelled")

    try:
        with pytest.raises(Cancelled):
            engine.audit(site.url + "/fast", "desktop", checkpoint=cancel)
        assert not chrome_processes_alive(browser_processes() - before)
    finally:
        engine.close()


def test_concurrency_is_bounded_by_the_setting(site, tmp_path) -> None:
    import threading
    import time

    engine = LocalEngine(Settings(data_dir=tmp_path, allow_private_urls=True, pagespeed_concurrency=1))
    before = browser_processes()
    drivers_seen = []
    finished: dict[str, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            drivers = [p for p in browser_processes() - before if "chromedriver" in psutil.Process(p).name()]
            drivers_seen.append(len(drivers))
            time.sleep(0.05)

    def audit(path: str) -> None:
        engine.audit(site.url + path, "desktop")
        finished[path] = time.monotonic()

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        slow = threading.Thread(target=audit, args=("/slow-server",))
        slow.start()
        time.sleep(0.3)
        audit("/fast")
        slow.join()
    finally:
        stop.set()
        sampler.join()
        engine.close()
    assert finished["/fast"] > finished["/slow-server"], "the second audit waited for the only slot"
    assert max(drivers_seen) == 1
