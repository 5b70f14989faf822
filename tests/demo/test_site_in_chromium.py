"""The built demo in real headless Chromium: fast by leadq's own PageSpeed engine, inert
under hostile text, and screenshotted at the promised sizes."""

from __future__ import annotations

import os
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from leadq.browser import Chromium, browsers_of
from leadq.demo.screenshots import Camera
from leadq.demo.service import BuildOptions, build_demo
from leadq.errors import TransientError
from leadq.pagespeed.local import LocalEngine
from tests.conftest import DirectoryServer

from .conftest import HOSTILE, HOURS, PLUMBER

pytestmark = pytest.mark.chromium


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_demo_scores_at_least_95_on_leadqs_local_pagespeed_engine_mobile_and_desktop(
    settings, make_lead
) -> None:
    demo = build_demo(settings, make_lead(extra=HOURS, **PLUMBER), BuildOptions(screenshots=False))
    server = DirectoryServer(Path(demo.work_dir) / "site")
    engine = LocalEngine(settings.model_copy(update={"pagespeed_concurrency": 1}))
    try:
        records = [engine.audit(server.url + "/index.html", strategy) for strategy in ("mobile", "desktop")]
    finally:
        engine.close()
        server.close()
    for record in records:
        assert record.performance_score >= 95, record.to_dict()
        assert all(check.passed for check in record.checks if check.id != "https"), record.checks
        assert record.details["requests"] == 1  # the page alone: nothing else is loaded


def test_no_script_in_hostile_lead_text_runs(settings, make_lead, tmp_path) -> None:
    lead_id = make_lead(
        name=HOSTILE,
        category=HOSTILE,
        address=HOSTILE,
        extra={"description": HOSTILE, "services": [HOSTILE], "opening_hours": {HOSTILE: HOSTILE}},
    )
    demo = build_demo(settings, lead_id, BuildOptions(screenshots=False))
    control = tmp_path / "control.html"
    control.write_text("<!doctype html><title>c</title><script>window.__pwned = 1</script>")
    browser = Chromium(settings)
    try:
        driver = browser.driver
        driver.get(control.as_uri())
        assert driver.execute_script("return window.__pwned") == 1  # the flag works
        driver.get((Path(demo.work_dir) / "site" / "index.html").as_uri())
        for link in driver.find_elements("css selector", "a"):
            link.click() if link.get_attribute("href").startswith("javascript") else None
        assert driver.execute_script("return window.__pwned") is None
        heading = driver.find_element("css selector", "h1").text
        assert "<script>window.__pwned = 1</script>" in heading and "🍕" in heading
        assert not driver.find_elements("css selector", "main script, main img, main a[href^=javascript]")
    finally:
        browser.close()


def test_screenshots_of_the_demo_and_the_current_site_are_desktop_and_mobile_sized(
    settings, make_lead, tmp_path
) -> None:
    current = tmp_path / "current"
    current.mkdir()
    (current / "index.html").write_text("<!doctype html><title>Old site</title><h1>Joe's old site</h1>")
    server = DirectoryServer(current)
    try:
        lead_id = make_lead(website=server.url + "/", **PLUMBER)
        demo = build_demo(settings, lead_id)
    finally:
        server.close()
    shots = demo.manifest["screenshots"]
    site = Path(demo.work_dir) / "site"
    for kind in ("demo", "current"):
        assert png_size(site / shots[kind]["desktop"]) == (1366, 768)
        assert png_size(site / shots[kind]["mobile"]) == (390, 844)
    listed = {entry["path"] for entry in demo.manifest["files"]}
    assert "site/screenshots/current-mobile.png" in listed


def test_a_private_current_site_is_refused_by_the_url_guard_and_the_demo_still_builds(
    settings, make_lead
) -> None:
    guarded = settings.model_copy(update={"allow_private_urls": False})
    demo = build_demo(guarded, make_lead(website="http://127.0.0.1:9/", **PLUMBER))
    shots = demo.manifest["screenshots"]
    assert "current" not in shots and "non-public address" in shots["current_error"]
    assert set(shots["demo"]) == {"desktop", "mobile"}


def test_a_page_slower_than_the_time_allowed_kills_the_browser_and_leaves_no_process(
    settings, tmp_path
) -> None:
    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            time.sleep(8)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    quick = settings.model_copy(update={"demo_screenshot_timeout": 1.5})
    started = time.monotonic()
    try:
        with (
            Camera(quick) as camera,
            pytest.raises(TransientError, match="took longer than the time allowed"),
        ):
            camera.shoot(f"http://127.0.0.1:{httpd.server_address[1]}/", tmp_path, "slow")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert time.monotonic() - started < 8
    assert browsers_of(os.getpid()) == []
