"""Browsers are reused, restarted after N pages, and killed without orphans on a time limit."""

from __future__ import annotations

import pytest

from leadq.errors import TransientError
from leadq.pagespeed.local import LocalEngine
from leadq.settings import Settings
from tests.conftest import still_running

from .pages import install

pytestmark = pytest.mark.chromium


@pytest.fixture(scope="module")
def site(server):
    install(server)
    return server


def test_a_browser_serves_n_pages_then_is_replaced(site, tmp_path, own_browsers) -> None:
    engine = LocalEngine(Settings(data_dir=tmp_path, allow_private_urls=True, pagespeed_browser_pages=2))
    try:
        engine.audit(site.url + "/fast", "desktop")
        first = own_browsers.processes()
        assert first, "the first page's browser runs"
        engine.audit(site.url + "/fast", "desktop")
        assert not still_running(first), "the browser must be closed after its 2nd page"
        engine.audit(site.url + "/fast", "desktop")
        assert own_browsers.processes(), "a fresh browser serves the 3rd page"
    finally:
        engine.close()


def test_a_timed_out_audit_kills_its_browser_and_leaves_no_orphan(site, tmp_path, own_browsers) -> None:
    import threading

    engine = LocalEngine(Settings(data_dir=tmp_path, allow_private_urls=True, pagespeed_timeout=3))
    seen: dict[int, object] = {}
    stop = threading.Event()

    def watch() -> None:
        # every Chromium process the hung audit starts (browser, renderers, utilities)
        while not stop.is_set():
            seen.update((process.pid, process) for process in own_browsers.processes())
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
        assert not still_running(seen.values()), "no process of the killed browser survives"
        # The same pool, with the default timeout: 3 s is for the hung page, not a loaded machine.
        unhurried = LocalEngine(Settings(data_dir=tmp_path, allow_private_urls=True), pool=engine.pool)
        record = unhurried.audit(site.url + "/fast", "desktop")
        assert record.performance_score >= 90, "the pool starts a fresh browser after a kill"
    finally:
        engine.close()


def test_a_cancelled_audit_kills_its_browser(site, tmp_path, own_browsers) -> None:
    from leadq.errors import Cancelled

    engine = LocalEngine(Settings(data_dir=tmp_path, allow_private_urls=True))

    def cancel() -> None:
        raise Cancelled("job was cancelled")

    try:
        with pytest.raises(Cancelled):
            engine.audit(site.url + "/fast", "desktop", checkpoint=cancel)
        assert own_browsers.processes() == []
    finally:
        engine.close()


def test_concurrency_is_bounded_by_the_setting(site, tmp_path, own_browsers) -> None:
    import threading
    import time

    engine = LocalEngine(Settings(data_dir=tmp_path, allow_private_urls=True, pagespeed_concurrency=1))
    drivers_seen = []
    finished: dict[str, float] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            drivers_seen.append(len(own_browsers.drivers()))
            time.sleep(0.05)

    def audit(path: str) -> None:
        engine.audit(site.url + path, "desktop")
        finished[path] = time.monotonic()

    def slow_page_requested() -> bool:
        return any(path == "/slow-server" for path, _query in site.requests[requests_before:])

    requests_before = len(site.requests)
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        slow = threading.Thread(target=audit, args=("/slow-server",))
        slow.start()
        # The slow audit holds the only slot once its browser asked for the page.
        deadline = time.monotonic() + 60
        while not slow_page_requested() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert slow_page_requested(), "the slow audit never asked for its page"
        audit("/fast")
        slow.join()
    finally:
        stop.set()
        sampler.join()
        engine.close()
    assert finished["/fast"] > finished["/slow-server"], "the second audit waited for the only slot"
    assert max(drivers_seen) == 1
