"""The systemd unit for the unsubscribe endpoint: valid, hardened, runs as leadq."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).parents[2] / "systemd" / "leadq-unsubscribe.service"


def test_the_unit_runs_the_endpoint_as_leadq_with_the_shared_env_file_and_hardening():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(UNIT)
    service = unit["Service"]
    assert service["User"] == "leadq" and service["EnvironmentFile"] == "/etc/leadq/leadq.env"
    assert "leadq unsubscribe serve" in service["ExecStart"]
    assert service["ProtectSystem"] == "strict"
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert service[key] in ("yes", "true", "on", "1"), key  # systemd's spellings of true


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_finds_no_syntax_error(tmp_path):
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(UNIT)], capture_output=True, text=True, timeout=60
    )
    problems = [
        line
        for line in result.stderr.splitlines()
        if "leadq-unsubscribe.service" in line and ("Unknown" in line or "Invalid" in line)
    ]
    assert problems == []
