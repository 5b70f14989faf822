"""leadq's systemd units pass `systemd-analyze verify` (Debian 12's systemd 252) and say what they must."""

from __future__ import annotations

import configparser
import shutil

import pytest

from .systemd_root import REPO, UNITS, make_root, verify

WORKER_INSTANCE = r"leadq-worker@scrape\x2cpagespeed.service"


@pytest.fixture
def root(tmp_path):
    root = make_root(tmp_path / "root")
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(REPO / "systemd" / unit, units / unit)
    (units / WORKER_INSTANCE).symlink_to("leadq-worker@.service")
    return root


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(REPO / "systemd" / name)
    return parser


def test_the_units_verify_without_a_single_warning(root):
    result = verify(root, WORKER_INSTANCE, "leadq-scheduler.service", "leadq.target")
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_verify_catches_keys_systemd_252_does_not_know(root):
    # RestartSteps/RestartMaxDelaySec arrived in systemd 254: on Debian 12 they are ignored.
    path = root / "etc/systemd/system/leadq-scheduler.service"
    path.write_text(path.read_text().replace("RestartSec=10", "RestartSec=10\nRestartSteps=5"))
    assert "Unknown key 'RestartSteps'" in verify(root, "leadq-scheduler.service").stderr


def test_verify_catches_a_missing_leadq_binary(root):
    (root / "opt/leadq/venv/bin/leadq").unlink()
    result = verify(root, "leadq-scheduler.service")
    assert result.returncode != 0 and "is not executable" in result.stderr


@pytest.mark.parametrize("name", ["leadq-worker@.service", "leadq-scheduler.service"])
def test_services_run_as_leadq_restart_always_and_are_hardened(name):
    service = unit(name)["Service"]
    assert service["User"] == "leadq"
    assert service["EnvironmentFile"] == "/etc/leadq/leadq.env"
    assert service["Restart"] == "always" and int(service["RestartSec"]) > 0
    assert service["KillSignal"] == "SIGTERM"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "ReadWritePaths": "/var/lib/leadq",
    }.items():
        assert service[key] == value, key
    assert service["MemoryMax"]
    assert unit(name)["Install"]["WantedBy"] == "leadq.target"


def test_the_worker_unit_runs_the_instance_queue_group_and_outwaits_the_longest_job(settings):
    service = unit("leadq-worker@.service")["Service"]
    assert service["ExecStart"] == "/opt/leadq/venv/bin/leadq worker --queues %I"
    from leadq.core.broker import setup_broker

    broker = setup_broker(settings)
    longest = max(a.options.get("time_limit", 600_000) for a in broker.actors.values()) / 1000
    assert int(service["TimeoutStopSec"]) > longest + settings.worker_shutdown_timeout
