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
    queue.put([(p.pid, p.create_time()) for p in psutil.Process().children(recursive=True)])
    # returns without closing anything: the process exit must clean up


@pytest.mark.chromium
def test_a_forked_worker_process_leaves_no_browser_behind_when_it_exits(server, tmp_path) -> None:
    install(server)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    settings = Settings(data_dir=tmp_path, allow_private_urls=True)
    child = context.Process(target=_audit_in_child, args=(server.url + "/fast", settings, queue))
    child.start()
    started = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert len(started) >= 3
    assert [pid for pid, created in started if _still_running(pid, created)] == []


def _still_running(pid: int, created: float) -> bool:
    """That very process (a pid freed on this busy machine may already be another's) and no zombie."""
    try:
        process = psutil.Process(pid)
        return process.create_time() == created and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
