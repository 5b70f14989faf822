"""scripts/install-vps: every step in dry-run; a real, idempotent install into a temporary root."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest
import redis

from .systemd_root import REPO, make_root, verify

SCRIPT = REPO / "scripts/install-vps"
INSTANCES = (
    r"leadq-worker@scrape\x2cpagespeed\x2cdemo.service",
    r"leadq-worker@email\x2ccampaign\x2cai\x2cmaintenance.service",
)


def install(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def target(tmp_path) -> Path:
    """A root with the base files a Debian system has: passwd and friends, and Redis's config."""
    if os.geteuid() != 0:
        pytest.skip("installing into a root prefix needs root (chown, useradd --prefix)")
    root = make_root(tmp_path / "root")
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "etc/group").write_text("root:x:0:\n")
    (root / "etc/shadow").write_text("root:*:19000:0:99999:7:::\n")
    (root / "etc/gshadow").write_text("root:*::\n")
    (root / "etc/redis").mkdir()
    (root / "etc/redis/redis.conf").write_text(Path("/etc/redis/redis.conf").read_text())
    return root


def test_dry_run_prints_every_step_and_changes_nothing(tmp_path):
    root = tmp_path / "untouched"
    root.mkdir()
    result = install("--dry-run", "--root", str(root))
    assert result.returncode == 0, result.stderr
    for expected in (
        "==> system user leadq",
        "+ useradd --prefix",
        "+ python3 -m venv",
        f"+ write {root}/etc/leadq/leadq.env",
        f"+ chmod 0600 {root}/etc/leadq/leadq.env",
        "+ set maxmemory-policy noeviction",
        "+ set appendonly yes",
        "+ install -m 0644",
        f"-c {REPO}/constraints.txt {REPO}\n",  # pinned versions, no postgres extra for SQLite
        f"+ systemctl --root={root} enable leadq.target leadq-scheduler.service leadq-unsubscribe.service "
        + " ".join(INSTANCES),
        "==> done",
    ):
        assert expected in result.stdout, expected
    assert list(root.iterdir()) == []


def test_an_unknown_option_is_refused():
    result = install("--frobnicate")
    assert result.returncode == 2 and "unknown option --frobnicate" in result.stderr


def test_install_into_a_root_prefix_is_complete_and_idempotent(target):
    first = install("--root", str(target), "--skip-venv")
    assert first.returncode == 0, first.stdout + first.stderr
    env_file = target / "etc/leadq/leadq.env"
    env_file.write_text(env_file.read_text() + "LEADQ_NAMESPACE=edited\n")
    second = install("--root", str(target), "--skip-venv")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "user leadq exists" in second.stdout and "kept: /etc/leadq/leadq.env exists" in second.stdout

    users = [line for line in (target / "etc/passwd").read_text().splitlines() if line.startswith("leadq:")]
    assert len(users) == 1 and users[0].endswith(":/var/lib/leadq:/usr/sbin/nologin")
    uid = int(users[0].split(":")[2])
    assert (target / "var/lib/leadq").stat().st_uid == uid
    mode = env_file.stat()
    assert stat.S_IMODE(mode.st_mode) == 0o600 and mode.st_uid == 0
    assert "LEADQ_NAMESPACE=edited" in env_file.read_text()  # the operator's edits survive a re-run

    conf = (target / "etc/redis/redis.conf").read_text().splitlines()
    assert [line for line in conf if line.startswith(("maxmemory-policy", "appendonly"))] == [
        "maxmemory-policy noeviction",
        "appendonly yes",
    ]

    wants = target / "etc/systemd/system/leadq.target.wants"
    assert sorted(p.name for p in wants.iterdir()) == sorted(
        ["leadq-scheduler.service", "leadq-unsubscribe.service", *INSTANCES]
    )
    assert (target / "etc/systemd/system/multi-user.target.wants/leadq.target").is_symlink()
    assert (target / "etc/systemd/system/leadq-inbox.service").is_file()  # installed, not enabled
    result = verify(
        target,
        *INSTANCES,
        "leadq-scheduler.service",
        "leadq-unsubscribe.service",
        "leadq-inbox.service",
        "leadq.target",
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


SHARED_REDIS = "rediss://:s3cret@redis.internal:6380/0"
POSTGRES = "postgresql+psycopg://leadq:pw@db.internal/leadq"


def test_a_worker_only_machine_needs_the_shared_redis():
    result = install("--dry-run", "--role", "worker")
    assert (
        result.returncode == 2 and "installs no Redis: give the shared one with --redis-url" in result.stderr
    )


def test_an_unknown_role_is_refused():
    result = install("--dry-run", "--role", "database")
    assert (
        result.returncode == 2 and "--role must be all, worker or scheduler, not 'database'" in result.stderr
    )


def test_dry_run_of_a_worker_machine_installs_no_redis_and_leadq_with_postgres(tmp_path):
    result = install(
        "--dry-run",
        "--root",
        str(tmp_path),
        "--role",
        "worker",
        "--redis-url",
        SHARED_REDIS,
        "--database-url",
        POSTGRES,
    )
    assert result.returncode == 0, result.stderr
    assert "redis-server" not in result.stdout and "maxmemory-policy" not in result.stdout
    assert "==> Redis: shared (--redis-url), none installed here" in result.stdout
    assert "skipped (--no-apt or --root): python3-venv chromium chromium-driver\n" in result.stdout
    assert f"-c {REPO}/constraints.txt {REPO}[postgres]\n" in result.stdout
    assert f"+ systemctl --root={tmp_path} enable leadq.target {' '.join(INSTANCES)}\n" in result.stdout
    assert "leadq-scheduler" not in result.stdout
    assert "s3cret" not in result.stdout + result.stderr  # the URLs' passwords are never printed


def test_dry_run_of_the_scheduler_machine_installs_no_chromium_and_no_worker(tmp_path):
    result = install(
        "--dry-run",
        "--root",
        str(tmp_path),
        "--role",
        "scheduler",
        "--package",
        "leadq==0.2",
        "--database-url",
        POSTGRES,
    )
    assert result.returncode == 0, result.stderr
    assert "skipped (--no-apt or --root): python3-venv redis-server\n" in result.stdout
    assert "+ set maxmemory-policy noeviction" in result.stdout  # its own Redis: no --redis-url
    assert f"-c {REPO}/constraints.txt leadq[postgres]==0.2\n" in result.stdout
    assert "enable leadq.target leadq-scheduler.service leadq-unsubscribe.service\n" in result.stdout
    assert "leadq-worker" not in result.stdout


def test_a_worker_machine_installs_into_a_root_with_the_shared_urls(target):
    redis_conf = (target / "etc/redis/redis.conf").read_text()
    args = ["--root", str(target), "--skip-venv", "--role", "worker", "--redis-url", SHARED_REDIS]
    first = install(*args, "--database-url", POSTGRES)
    assert first.returncode == 0, first.stdout + first.stderr
    env_file = target / "etc/leadq/leadq.env"
    # Moving to another Redis: the line is replaced, not repeated; other settings stay.
    second = install(*args[:-1], "redis://:other@10.0.0.5:6379/0")
    assert second.returncode == 0, second.stdout + second.stderr
    env = env_file.read_text().splitlines()
    assert [line for line in env if line.startswith("LEADQ_REDIS_URL=")] == [
        "LEADQ_REDIS_URL=redis://:other@10.0.0.5:6379/0"
    ]
    assert [line for line in env if "LEADQ_DATABASE_URL" in line] == [f"LEADQ_DATABASE_URL={POSTGRES}"]
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert (target / "etc/redis/redis.conf").read_text() == redis_conf  # no Redis of its own

    units = target / "etc/systemd/system"
    assert sorted(p.name for p in (units / "leadq.target.wants").iterdir()) == sorted(INSTANCES)
    assert not (units / "leadq-scheduler.service").exists()
    result = verify(target, *INSTANCES, "leadq.target")
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_installed_redis_config_really_runs_without_eviction_and_with_aof(target, tmp_path):
    assert install("--root", str(target), "--skip-venv").returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp_path / "redis-data"
    data.mkdir()
    # The installed file, with only where-to-listen-and-write overridden on the command line.
    server = subprocess.Popen(
        [
            "redis-server",
            str(target / "etc/redis/redis.conf"),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(data),
            "--daemonize",
            "no",
            "--supervised",
            "no",
            "--logfile",
            "",
            "--pidfile",
            str(data / "pid"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
        assert client.config_get("appendonly") == {"appendonly": "yes"}
    finally:
        server.terminate()
        server.wait(10)
