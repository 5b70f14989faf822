"""`leadq worker` processes for the email tests on real Redis, configured by LEADQ_* env vars."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import redis

REPO = Path(__file__).resolve().parents[1]


class LeadqWorker:
    """`leadq worker -Q email,campaign` in its own process group."""

    def __init__(self, config: dict, log: Path, *, processes: int, threads: int) -> None:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("LEADQ_") or k.startswith("LEADQ_TEST_")
        }
        env.update({f"LEADQ_{key.upper()}": str(value) for key, value in config.items()})
        env["PYTHONPATH"] = str(REPO)
        self.config, self.log = config, log
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "leadq",
                "worker",
                "--queues",
                "email,campaign",
                "--processes",
                str(processes),
                "--threads",
                str(threads),
            ],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready(processes)

    def wait_ready(self, processes: int, timeout: float = 60) -> None:
        """Until every worker process has registered its heartbeat in Redis."""
        client = redis.Redis.from_url(self.config["redis_url"])
        key = f"{self.config['namespace']}:__heartbeats__"
        deadline = time.monotonic() + timeout
        while client.zcard(key) < processes:
            assert self.proc.poll() is None, f"worker exited early:\n{self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"worker not ready:\n{self.log.read_text()[-3000:]}"
            time.sleep(0.1)

    def kill_worker_processes(self) -> None:
        """kill -9 every worker process under the supervisor, as an OOM kill or a crash would."""
        for child in psutil.Process(self.proc.pid).children():
            if "spawn_main" in " ".join(child.cmdline()):
                child.send_signal(signal.SIGKILL)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
