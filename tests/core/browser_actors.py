"""Actors that drive headless Chromium, for the tests of browsers' lifetimes in `leadq worker`.

``audit`` keeps its browser in the process's pool between jobs (as the
PageSpeed actors do), ``load`` starts one per job (as the scrapers do).
"""

from __future__ import annotations

from leadq.core.broker import actor, current_runtime
from leadq.pagespeed.local import LocalEngine
from leadq.sources.browser import Browser
from tests.core.sample_actors import _log

_engines: list[LocalEngine] = []


@actor(queue="maintenance", max_retries=0, time_limit=120)
def audit(url: str) -> None:
    if not _engines:
        _engines.append(LocalEngine(current_runtime().settings))
    _log("started", url)
    _engines[0].audit(url, "desktop")
    _log("runs", url)


def _load(url: str) -> None:
    browser = Browser(current_runtime().settings)
    try:
        browser.start()
        _log("started", url)
        browser.load(url)
        _log("runs", url)
    finally:
        browser.close()


@actor(queue="maintenance", max_retries=0, time_limit=4)
def load_within_four_seconds(url: str) -> None:
    _load(url)


@actor(queue="maintenance", max_retries=0, time_limit=120)
def load(url: str) -> None:
    _load(url)
