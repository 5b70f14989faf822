"""Fixtures for the engine's tests: real `leadq worker` processes on the test Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from leadq.core.broker import setup_broker
from leadq.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLE_ACTORS = "tests.core.sample_actors"


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADQ_") or k.startswith("LEADQ_TEST_")}
    env.update(
        LEADQ_BROKER="redis",
        LEADQ_REDIS_URL=settings.redis_url,
        LEADQ_NAMESPACE=settings.namespace,
        LEADQ_DATA_DIR=str(settings.data_dir),
        LEADQ_ACTOR_MODULES=json.dumps([SAMPLE_ACTORS]),
        LEADQ_HEARTBEAT_TIMEOUT=str(settings.heartbeat_timeout),
        LEADQ_MAINTENANCE_INTERVAL=str(settings.maintenance_interval),
        LEADQ_LOG_LEVEL="INFO",
        LEADQ_IDLE_WAKEUP_TIMEOUT="1",  # so stopping a worker in a test takes a second, not five
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


class WorkerProcess:
    """`leadq worker` in its own process group, so a test can kill all of it."""

    def __init__(self, settings: Settings, log: Path, args: list[str], env: dict[str, str]) -> None:
        self.settings = settings
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "leadq", "worker", *args],
            env=env,
            cwd=str(settings.data_dir.parent),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def children(self) -> list[int]:
        """Pids of the worker processes, titled or still starting (not the resource tracker)."""
        workers = [(pid, title) for pid, title in self._children() if "resource_tracker" not in title]
        return [pid for pid, title in workers if title.startswith("leadq worker ") or "spawn_main" in title]

    def titles(self) -> list[tuple[int, str]]:
        """(pid, process title) of each worker process past its start, as `ps` shows them."""
        return [(pid, title) for pid, title in self._children() if title.startswith("leadq worker ")]

    def _children(self) -> list[tuple[int, str]]:
        import psutil

        found = []
        for child in psutil.Process(self.proc.pid).children(recursive=False):
            try:
                found.append((child.pid, " ".join(child.cmdline())))
            except psutil.Error:  # exited (or a zombie) between listing and reading
                continue
        return found

    def wait_ready(self, processes: int, timeout: float = 60) -> None:
        """Wait until each worker process has fetched from Redis at least once."""
        client = redis.Redis.from_url(self.settings.redis_url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited early:\n{self.log.read_text()[-3000:]}")
            acks = list(client.scan_iter(f"{self.settings.namespace}:__heartbeats__"))
            # Titled: past its start-up, into child_main.
            if acks and client.zcard(acks[0]) >= processes and len(self.titles()) >= processes:
                return
            time.sleep(0.1)
        raise AssertionError(f"worker not ready:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_all()

    def kill_all(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)


@pytest.fixture
def start_worker(redis_settings: Settings, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []
    redis_settings.data_dir.mkdir(parents=True, exist_ok=True)

    def start(*args: str, processes: int = 1, **env: str) -> WorkerProcess:
        worker = WorkerProcess(
            redis_settings,
            tmp_path / f"worker-{len(started)}.log",
            ["--processes", str(processes), *args],
            worker_env(redis_settings, **env),
        )
        started.append(worker)
        worker.wait_ready(processes)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def redis_broker(redis_settings: Settings):
    """The test process's own broker (sends and inspects; runs no jobs)."""
    return setup_broker(redis_settings)


def runs(settings: Settings, kind: str = "runs") -> list[str]:
    client = redis.Redis.from_url(settings.redis_url)
    return [item.decode().split("|")[0] for item in client.lrange(f"{settings.namespace}:test:{kind}", 0, -1)]


def wait_until(predicate: Callable[[], bool], timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of the test's own, with an append-only file, that it may kill."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--maxmemory-policy",
                "noeviction",
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _answers(client), timeout=30, what="own redis-server to accept commands")

    def kill(self) -> None:
        """SIGKILL: no shutdown save, only what the append-only file holds survives."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def own_redis(tmp_path: Path, redis_url: str) -> Iterator[OwnRedis]:
    """Needs the private test Redis only to know that redis-server is installed."""
    directory = tmp_path / "own-redis"
    directory.mkdir()
    server = OwnRedis(directory)
    server.start()
    yield server
    if server.proc is not None and server.proc.poll() is None:
        server.kill()
