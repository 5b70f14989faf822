"""Shared fixtures: settings on a temporary SQLite, and the private test Redis.

Real services only. A test that needs Redis or Postgres is skipped on a laptop
without them, but fails under CI=true so a missing service is never silent.
"""

from __future__ import annotations

import functools
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from leadq.settings import Settings, get_settings

FIXTURES = Path(__file__).parent / "fixtures"


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required under CI (run the suite through scripts/test)")
    pytest.skip(f"{what} not available; run scripts/test")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own LEADQ_* variables or .env."""
    for name in list(os.environ):
        if name.startswith("LEADQ_") and not name.startswith("LEADQ_TEST_"):
            monkeypatch.delenv(name)
    # No internet here: an email domain lookup would wait for a resolver that never
    # answers. Tests of the check turn it on against their own DNS server on loopback.
    monkeypatch.setenv("LEADQ_EMAIL_CHECK_DELIVERABILITY", "false")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """``env(LEADQ_X="…")``: point the CLI's settings (read from the environment) at temp
    storage, plus the given variables. Modules with CLI fixtures of their own override it."""

    def apply(**values: str) -> None:
        monkeypatch.setenv("LEADQ_DATA_DIR", str(tmp_path / "data"))
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded broker and a fresh SQLite database in a temporary data dir."""
    return Settings(broker="embedded", data_dir=tmp_path / "data", allow_private_urls=True)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("LEADQ_TEST_REDIS_URL")
    if not url:
        _missing("the private test Redis (LEADQ_TEST_REDIS_URL)")
    return url


@pytest.fixture
def redis_settings(tmp_path: Path, redis_url: str):
    """Redis broker on the private test Redis, in a namespace of its own."""
    import redis

    namespace = f"leadq-test-{uuid.uuid4().hex[:12]}"
    yield Settings(
        broker="redis",
        redis_url=redis_url,
        namespace=namespace,
        data_dir=tmp_path / "data",
        allow_private_urls=True,
    )
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("LEADQ_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("LEADQ_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture
def postgres_settings(settings: Settings, postgres_url: str):
    """``settings`` on Postgres, in a schema of its own that is dropped afterwards."""
    from sqlalchemy import create_engine, text

    schema = f"leadq_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield settings.model_copy(update={"database_url": f"{postgres_url}?options=-csearch_path%3D{schema}"})
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def chat():
    """The local Chat Completions server (tests/ai/chat_server.py) for any domain's AI tests;
    the SDK clients pointing at it are dropped afterwards."""
    from leadq.ai import llm
    from tests.ai.chat_server import ChatServer

    server = ChatServer()
    yield server
    server.close()
    llm.forget_clients()


class DirectoryServer:
    """A real HTTP server on 127.0.0.1:0 serving ``root`` (what nginx does on the VPS)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def web_root(tmp_path: Path) -> Iterator[DirectoryServer]:
    """An empty web root (``.root``) served over HTTP, as a publish target."""
    root = tmp_path / "www"
    root.mkdir()
    server = DirectoryServer(root)
    yield server
    server.close()


CHROMIUM_NAMES = ("chromium", "chrome", "chromedriver", "chrome_crashpad_handler")
#: Chromium's crash reporter: it detaches from the browser (re-parented, a session of its
#: own) and exits by itself once the browser is gone; killing a browser does not reach it.
CRASH_REPORTER = "chrome_crashpad_handler"
#: Set in the test's environment, so chromedriver, the browser and its crash reporter inherit it.
BROWSER_MARK_ENV = "LEADQ_TEST_BROWSER_MARK"


class OwnBrowsers:
    """The chromedriver and Chromium processes this test started, whoever else runs browsers.

    Other tests (another pytest worker, another run on the machine, an engine
    left in this process) start Chromium too, so counting our descendants or
    every Chromium is wrong. chromedriver, the browser and its crash reporter
    inherit the test's ``BROWSER_MARK_ENV``; Chromium's helpers get a cleared
    environment but name the profile directory, which lies under ``root``.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def processes(self) -> list[psutil.Process]:
        """chromedriver and the browser's processes still running (zombies awaiting their
        parent's wait() are not); without the crash reporter, see ``all_processes``."""
        return [process for process, name in self._find() if name != CRASH_REPORTER]

    def all_processes(self) -> list[psutil.Process]:
        return [process for process, _name in self._find()]

    def drivers(self) -> list[psutil.Process]:
        return [process for process, name in self._find() if name == "chromedriver"]

    def _find(self) -> list[tuple[psutil.Process, str]]:
        found = []
        # No attrs: process_iter shares its Process objects between threads, and the
        # engine's own scans would overwrite their ``info`` under us.
        for process in psutil.process_iter():
            try:
                name = process.name()
                if not name.startswith(CHROMIUM_NAMES):
                    continue
                named = any(str(self.root) in part for part in process.cmdline())
                if (named or process.environ().get(BROWSER_MARK_ENV) == str(self.root)) and running(process):
                    found.append((process, name))
            except psutil.Error:  # exited meanwhile, or another user's
                continue
        return found

    def wait_all_gone(self, seconds: float) -> list[psutil.Process]:
        """What is still running after ``seconds`` (the crash reporter leaves on its own)."""
        deadline = time.monotonic() + seconds
        while (left := self.all_processes()) and time.monotonic() < deadline:
            time.sleep(0.1)
        return left


def running(process: psutil.Process) -> bool:
    """Still this process (not a reused pid) and not a zombie."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def still_running(processes) -> list[psutil.Process]:
    return [process for process in processes if running(process)]


@pytest.fixture
def own_browsers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OwnBrowsers]:
    """Browser profiles under the test's own temp dir, its browsers marked; afterwards
    none of its processes and no profile directory remain."""
    if not (os.access("/usr/bin/chromium", os.X_OK) and os.access("/usr/bin/chromedriver", os.X_OK)):
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium and chromium-driver are required under CI")
        pytest.skip("Debian's chromium and chromium-driver are not installed; run scripts/test")
    root = tmp_path / "profiles"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    monkeypatch.setenv(BROWSER_MARK_ENV, str(root))
    browsers = OwnBrowsers(root)
    yield browsers
    assert browsers.processes() == []
    assert browsers.wait_all_gone(10) == []
    assert list(root.iterdir()) == []  # every profile directory was removed
