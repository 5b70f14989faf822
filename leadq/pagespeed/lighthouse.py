"""The optional `lighthouse` engine: the real Lighthouse CLI (``npm install lighthouse``).

Lighthouse cold-starts its own Chromium for every audit (about 12 s here), so
it is the reference the local engine is benchmarked against rather than the
default. Its JSON report goes through the same parser as PSI's
``lighthouseResult``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterable

from leadq.browser import HEADLESS_FLAGS
from leadq.egress_proxy import EgressProxy
from leadq.errors import ConfigError, PermanentError, TransientError
from leadq.net import check_url
from leadq.pagespeed.record import AuditRecord, Strategy
from leadq.pagespeed.report_parser import parse_report
from leadq.settings import Settings

_VERSION_TIMEOUT_S = 30


def lighthouse_available(settings: Settings | None = None) -> str | None:
    """The installed Lighthouse CLI's version, or None (for `leadq doctor`)."""
    if settings is None:
        from leadq.settings import get_settings

        settings = get_settings()
    path = shutil.which(settings.lighthouse_path)
    if path is None:
        return None
    try:
        done = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=_VERSION_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def lighthouse_command(
    path: str, url: str, strategy: Strategy, settings: Settings, *, chrome_flags: Iterable[str] = ()
) -> list[str]:
    """The Lighthouse CLI's argv; ``chrome_flags`` go to the Chromium it launches (the egress proxy's)."""
    command = [
        path,
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        f"--only-categories={','.join(settings.psi_categories)}",
        f"--max-wait-for-load={int(settings.pagespeed_timeout * 1000)}",
        # A fresh profile per run is Lighthouse's own default; flags as for our Chromium.
        "--chrome-flags=" + " ".join((*HEADLESS_FLAGS, *chrome_flags)),
    ]
    if strategy == "desktop":
        command.append("--preset=desktop")
    return command


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class LighthouseEngine:
    """Runs the Lighthouse CLI once per audit."""

    name = "lighthouse"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        path = shutil.which(settings.lighthouse_path)
        if path is None:
            raise ConfigError(
                f"Lighthouse CLI not found ({settings.lighthouse_path}): `npm install -g lighthouse` "
                "or set LEADQ_LIGHTHOUSE_PATH"
            )
        self.path = path

    def audit(
        self, url: str, strategy: Strategy, *, checkpoint: Callable[[], None] | None = None
    ) -> AuditRecord:
        check_url(
            url, allow_private=self.settings.allow_private_urls, trusted_origins=self.settings.private_origins
        )
        env = {**os.environ, "CHROME_PATH": self.settings.chromium_path}
        # Lighthouse's own page timeout plus time for Chrome start and the audits themselves.
        limit = self.settings.pagespeed_timeout * 2 + 30
        # The Chromium Lighthouse launches reaches the network only through leadq's
        # filtering proxy, like leadq's own: the page and all it loads are checked.
        proxy = EgressProxy(
            allow_private=self.settings.allow_private_urls,
            trusted_origins=self.settings.private_origins,
            connect_timeout=self.settings.http_connect_timeout,
        ).start()
        flags = proxy.chromium_flags()
        command = lighthouse_command(self.path, url, strategy, self.settings, chrome_flags=flags)
        # Its own session: on a time limit or cancel, one killpg also takes the
        # Chromium that Lighthouse launched, which killing node alone would orphan.
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise TransientError(f"Lighthouse took over {limit:g} s on {url}") from None
        except BaseException:
            _kill_group(process)
            raise
        finally:
            proxy.close()
        if process.returncode != 0:
            last_line = (stderr.strip().splitlines() or ["no output"])[-1]
            raise TransientError(f"Lighthouse failed on {url}: {last_line}")
        try:
            report = json.loads(stdout)
        except ValueError:
            raise TransientError(f"Lighthouse printed no JSON report for {url}") from None
        runtime_error = report.get("runtimeError") or {}
        if runtime_error.get("code") and runtime_error.get("code") != "NO_ERROR":
            raise PermanentError(f"Lighthouse could not audit {url}: {runtime_error.get('message')}")
        record = parse_report(report, url=url)
        record.strategy = strategy
        return record

    def close(self) -> None:
        """Nothing to release: each run's Chromium exits with Lighthouse."""
