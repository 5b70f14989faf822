"""leadq's systemd units pass `systemd-analyze verify` (Debian 12's systemd 252), say what they must,
are hardened to an exposure of at most 3.0, and leadq still works inside that sandbox."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import psutil
import pytest

from .systemd_root import REPO, UNITS, make_root, verify
from .unit_sandbox import filter_of, sandboxed, security_exposure, traced, writes_outside, written_paths

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
    result = verify(
        root,
        WORKER_INSTANCE,
        "leadq-scheduler.service",
        "leadq-unsubscribe.service",
        "leadq-inbox.service",
        "leadq.target",
    )
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


SERVICES = [
    "leadq-worker@.service",
    "leadq-scheduler.service",
    "leadq-unsubscribe.service",
    "leadq-inbox.service",
]


@pytest.mark.parametrize("name", SERVICES)
def test_services_run_the_venvs_leadq_as_leadq_restart_always_and_are_hardened(name):
    service = unit(name)["Service"]
    assert service["User"] == "leadq"
    assert service["EnvironmentFile"] == "/etc/leadq/leadq.env"
    assert service["ExecStart"].startswith("/opt/leadq/venv/bin/leadq ")
    assert service["Restart"] == "always" and int(service["RestartSec"]) > 0
    assert unit(name)["Unit"]["StartLimitIntervalSec"] == "0"
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
    assert unit(name)["Unit"]["PartOf"] == "leadq.target"


@pytest.fixture
def unit_file(tmp_path):
    """A service file under a name systemd-analyze accepts (a template needs an instance)."""

    def copy(name: str, text: str | None = None):
        path = tmp_path / name.replace("@.", "@scrape.")
        path.write_text(text if text is not None else (REPO / "systemd" / name).read_text())
        return path

    return copy


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_is_exposed_at_most_3_0_by_systemd_analyze_security(name, unit_file):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed (scripts/test installs Debian's systemd)")
    exposure = security_exposure(unit_file(name))
    print(f"{name}: exposure {exposure}")
    assert exposure <= 3.0


def test_the_exposure_check_sees_a_unit_without_its_hardening(unit_file):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed (scripts/test installs Debian's systemd)")
    text = (REPO / "systemd/leadq-scheduler.service").read_text()
    bare = text[: text.index("# Hardening")] + text[text.index("MemoryMax=") :]
    assert security_exposure(unit_file("leadq-scheduler.service", bare)) > 7.0


def test_the_worker_reloads_with_sighup():
    assert unit("leadq-worker@.service")["Service"]["ExecReload"] == "/bin/kill -HUP $MAINPID"


@pytest.fixture
def worker_filter(tmp_path):
    path = tmp_path / "worker-filter.json"
    path.write_text(json.dumps(filter_of(REPO / "systemd/leadq-worker@.service")))
    return path


def run_sandboxed(filter_file, code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        sandboxed(filter_file, sys.executable, "-c", textwrap.dedent(code)),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )


@pytest.fixture
def state_dir(tmp_path):
    """Stands in for /var/lib/leadq: HOME, working directory and the only writable path."""
    path = tmp_path / "state"
    path.mkdir()
    return path


def unit_env(state_dir) -> dict[str, str]:
    # The installed venv is byte-compiled by pip; here only the bytecode cache would be written.
    return {"HOME": str(state_dir), "TMPDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"}


def test_the_worker_sandbox_really_refuses_what_the_unit_forbids(worker_filter):
    # ptrace (@debug), an AF_PACKET socket and a new user namespace: all refused inside.
    done = run_sandboxed(
        worker_filter,
        """
        import ctypes, os, socket
        libc = ctypes.CDLL(None, use_errno=True)
        print("ptrace", libc.ptrace(0, 0, 0, 0), ctypes.get_errno())
        try:
            socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        except OSError as exc:
            print("packet", exc.errno)
        print("unshare", libc.unshare(0x10000000), ctypes.get_errno())
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["ptrace -1 1", "packet 1", "unshare -1 1"], done.stdout


@pytest.mark.chromium
@pytest.mark.slow
def test_chromium_loads_a_page_inside_the_worker_units_sandbox(worker_filter, tmp_path, state_dir):
    # What leadq's scrapers and audits do: leadq.browser's Chromium (via chromedriver)
    # renders a page from a local server, under the worker unit's system-call filter.
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<title>inside the sandbox</title><script>document.title += '!'</script>"
    )
    trace = tmp_path / "trace"
    done = subprocess.run(
        traced(
            trace,
            sandboxed(
                worker_filter,
                sys.executable,
                "-c",
                textwrap.dedent(f"""
        import functools, http.server, threading
        from leadq.browser import Chromium
        from leadq.settings import Settings
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory={str(site)!r})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        site = f"http://127.0.0.1:{{server.server_port}}"  # through leadq's egress proxy, trusted
        settings = Settings(broker="embedded", data_dir={str(state_dir)!r}, private_origins=[site])
        browser = Chromium(settings)
        try:
            browser.driver.get(site + "/")
            print(browser.driver.title)
        finally:
            browser.close()
        """),
            ),
        ),
        capture_output=True,
        text=True,
        timeout=180,
        cwd=state_dir,
        env={**os.environ, "PYTHONPATH": str(REPO), **unit_env(state_dir)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == "inside the sandbox!"
    # ProtectSystem=strict: nothing written outside /var/lib/leadq, /tmp, /dev and /proc.
    assert writes_outside(written_paths(trace, state_dir), [state_dir]) == []


@pytest.mark.redis
@pytest.mark.slow
def test_a_leadq_worker_runs_jobs_inside_the_worker_units_sandbox(
    worker_filter, redis_settings, tmp_path, state_dir
):
    # The supervisor, its spawned processes (multiprocessing, semaphores), Redis and SQLite.
    from leadq.core.broker import setup_broker
    from leadq.core.enqueue import send
    from tests.core import sample_actors
    from tests.core.conftest import runs, wait_until, worker_env

    settings = redis_settings.model_copy(update={"data_dir": state_dir})
    setup_broker(settings)
    log = tmp_path / "worker.log"
    trace = tmp_path / "trace"
    worker = subprocess.Popen(
        traced(trace, sandboxed(worker_filter, sys.executable, "-m", "leadq", "worker", "--processes", "1")),
        env={**worker_env(settings), **unit_env(state_dir)},
        cwd=state_dir,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        send(sample_actors.record, "sandboxed")
        wait_until(lambda: runs(settings) == ["sandboxed"], timeout=90, what="the job to run")
    finally:
        # SIGTERM to the supervisor, strace's child; strace then exits with its status.
        for supervisor in psutil.Process(worker.pid).children():
            supervisor.terminate()
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            raise
    output = log.read_text()
    assert worker.returncode == 0, output[-3000:]
    # What a refused system call looks like from Python.
    assert "PermissionError" not in output and "Operation not permitted" not in output, output[-3000:]
    # ProtectSystem=strict: the job history (SQLite) and everything else stay in the data dir.
    assert writes_outside(written_paths(trace, state_dir), [state_dir]) == []


def test_the_worker_unit_runs_the_instance_queue_group_and_outwaits_the_longest_job(settings):
    service = unit("leadq-worker@.service")["Service"]
    assert service["ExecStart"] == "/opt/leadq/venv/bin/leadq worker --queues %I"
    from leadq.core.broker import setup_broker

    broker = setup_broker(settings)
    longest = max(a.options.get("time_limit", 600_000) for a in broker.actors.values()) / 1000
    assert int(service["TimeoutStopSec"]) > longest + settings.worker_shutdown_timeout
