"""Choosing an engine, and shared engines that never outlive their process."""

from __future__ import annotations

import multiprocessing

import psutil
import pytest

from leadq.errors import ConfigError
from leadq.pagespeed.engines import resolve_engine_name, shared_engine
from leadq.settings import Settings

from .pages import install


def test_auto_uses_psi_only_with_an_api_key(tmp_path) -> None:
    assert resolve_engine_name(Settings(data_dir=tmp_path)) == "local"
    assert resolve_engine_name(Settings(data_dir=tmp_path, psi_api_key="k")) == "psi"
    assert resolve_engine_name(Settings(data_dir=tmp_path, psi_api_key="k"), "local") == "local"


def test_an_unknown_engine_is_a_config_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="choose one of psi, local, lighthouse"):
        resolve_engine_name(Settings(data_dir=tmp_path), "webpagetest")


def _audit_in_child(url: str, settings: Settings, queue) -> None:
    shared_engine("local", settings).audit(url, "desktop")
    queue.put([p.pid for p in psutil.Process().children(recursive=True)])
    # returns without closing anything: the process exit must clean up


@pytest.mark.chromium
def test_a_forked_worker_process_leaves_no_browser_behind_when_it_exits(server, tmp_path) -> None:
    install(server)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    settings = Settings(data_dir=tmp_path, allow_private_urls=True)
    child = context.Process(target=_audit_in_child, args=(server.url + "/fast", settings, queue))
    child.start()
    pids = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert len(pids) >= 3
    alive = [
        pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    ]
    assert alive == []
