"""PNG screenshots of a demo and of the lead's current site, in leadq's shared headless Chromium.

One browser takes every shot of a build (it costs a second to start). The
viewport is set through CDP device-metrics emulation, so a "desktop" PNG is
exactly 1366x768 and a "mobile" one 390x844 whatever the window around it.
The lead's own site is hostile: its URL passes the URL guard first, and the
browser reaches it (and whatever it loads) only through leadq's egress proxy.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.remote.webdriver import WebDriver

from leadq.browser import Chromium, Watchdog, error_line
from leadq.errors import LeadqError, TransientError
from leadq.net import check_url
from leadq.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int
    mobile: bool
    scale: float


VIEWPORTS = (Viewport("desktop", 1366, 768, False, 1.0), Viewport("mobile", 390, 844, True, 1.0))
#: Longest a page may keep loading after the load event before its shot is taken anyway.
SETTLE_S = 0.3


class Camera:
    """A headless Chromium that saves viewport screenshots; close it (or use ``with``)."""

    def __init__(self, settings: Settings, *, trusted_origins: tuple[str, ...] = ()) -> None:
        self.settings = settings
        self.chromium = Chromium(settings, arguments=("--hide-scrollbars",), trusted_origins=trusted_origins)
        self.watchdog = Watchdog(self.chromium, seconds=settings.demo_screenshot_timeout).start()

    def __enter__(self) -> Camera:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.watchdog.stop()
        self.chromium.close()

    def shoot(self, url: str, directory: Path, prefix: str) -> dict[str, str]:
        """``<prefix>-desktop.png`` and ``<prefix>-mobile.png`` of ``url``; {viewport: file name}."""
        shots = {}
        with self._driving(url) as driver:
            for viewport in VIEWPORTS:
                self._load(driver, url, viewport)
                name = f"{prefix}-{viewport.name}.png"
                (directory / name).write_bytes(driver.get_screenshot_as_png())
                shots[viewport.name] = name
        return shots

    def scroll_frames(self, url: str, directory: Path, *, width: int, height: int, count: int) -> list[Path]:
        """``count`` screenshots scrolling evenly from the top of ``url`` to its bottom: a video's frames."""
        frames = []
        with self._driving(url) as driver:
            self._load(driver, url, Viewport("video", width, height, False, 1.0))
            bottom = driver.execute_script(
                "return Math.max(0, document.documentElement.scrollHeight - window.innerHeight)"
            )
            for index in range(count):
                driver.execute_script("window.scrollTo(0, arguments[0])", round(bottom * index / (count - 1)))
                frame = directory / f"frame-{index:04d}.png"
                frame.write_bytes(driver.get_screenshot_as_png())
                frames.append(frame)
        return frames

    @contextlib.contextmanager
    def _driving(self, url: str) -> Iterator[WebDriver]:
        """The driver, with its failures as leadq's errors and the page left blank afterwards."""
        driver = self.chromium.driver
        driver.set_page_load_timeout(self.watchdog.remaining(self.settings.demo_screenshot_timeout))
        try:
            yield driver
        except LeadqError:
            raise
        except Exception as exc:
            if self.watchdog.fired or isinstance(exc, TimeoutException):
                raise TransientError(f"screenshots of {url} took longer than the time allowed") from None
            raise TransientError(f"Chromium failed taking screenshots of {url}: {error_line(exc)}") from None
        finally:
            self._blank(driver)

    def _blank(self, driver: WebDriver) -> None:
        """Stop the page's work before the next one; a browser that cannot is killed, not reused."""
        if not self.chromium.alive:
            return
        try:
            driver.get("about:blank")
        except Exception as exc:
            log.warning("killing headless Chromium that could not leave a page: %s", error_line(exc))
            self.chromium.kill()

    @staticmethod
    def _load(driver: WebDriver, url: str, viewport: Viewport) -> None:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": viewport.width,
                "height": viewport.height,
                "deviceScaleFactor": viewport.scale,
                "mobile": viewport.mobile,
            },
        )
        driver.get(url)
        time.sleep(SETTLE_S)


def shoot_current_site(camera: Camera, website: str, directory: Path) -> dict[str, str]:
    """Screenshots of the lead's own site; refused (``UrlRefused``) when the guard says no."""
    url = check_url(
        website,
        allow_private=camera.settings.allow_private_urls,
        trusted_origins=camera.settings.private_origins,
    )
    return camera.shoot(url, directory, "current")
