"""The optional Lighthouse CLI engine."""

from __future__ import annotations

import os
import shutil

import pytest

from leadq.errors import ConfigError
from leadq.pagespeed.lighthouse import LighthouseEngine, lighthouse_available, lighthouse_command
from leadq.settings import Settings

from .pages import install


def test_a_missing_lighthouse_cli_is_reported_as_absent(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, lighthouse_path=str(tmp_path / "no-lighthouse"))
    assert lighthouse_available(settings) is None
    with pytest.raises(ConfigError, match="npm install -g lighthouse"):
        LighthouseEngine(settings)


def test_desktop_runs_use_lighthouses_desktop_preset_and_headless_chromium(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    command = lighthouse_command("lighthouse", "https://example.com/", "desktop", settings)
    assert "--preset=desktop" in command
    assert "--output=json" in command
    flags = next(arg for arg in command if arg.startswith("--chrome-flags="))
    assert "--headless=new" in flags and "--no-sandbox" in flags
    assert "--preset=desktop" not in lighthouse_command(
        "lighthouse", "https://example.com/", "mobile", settings
    )


def test_lighthouses_chromium_gets_the_egress_proxy_flags(tmp_path) -> None:
    proxy_flags = ("--proxy-server=http://127.0.0.1:4711", "--proxy-bypass-list=<-loopback>")
    command = lighthouse_command(
        "lighthouse", "https://example.com/", "mobile", Settings(data_dir=tmp_path), chrome_flags=proxy_flags
    )
    flags = next(arg for arg in command if arg.startswith("--chrome-flags="))
    assert all(flag in flags for flag in proxy_flags) and "--headless=new" in flags


LIGHTHOUSE = os.environ.get("LEADQ_LIGHTHOUSE_PATH") or shutil.which("lighthouse")


@pytest.mark.slow
@pytest.mark.chromium
@pytest.mark.skipif(LIGHTHOUSE is None, reason="Lighthouse CLI not installed (npm install lighthouse)")
def test_a_real_lighthouse_run_parses_like_psi(server, tmp_path) -> None:
    install(server)
    settings = Settings(data_dir=tmp_path, allow_private_urls=True, lighthouse_path=LIGHTHOUSE)
    assert lighthouse_available(settings)
    record = LighthouseEngine(settings).audit(server.url + "/fast", "mobile")
    assert record.engine == "lighthouse"
    assert record.performance_score >= 90
    assert record.categories.keys() >= {"performance", "accessibility", "best-practices", "seo"}
