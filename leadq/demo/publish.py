"""Publishing a demo's site where the world can see it, and taking it down again.

Two destinations: a directory the VPS's web server serves (``LEADQ_DEMO_ROOT``),
or any rsync destination (``LEADQ_DEMO_RSYNC_TARGET``: a path, or
``user@host:/path`` over ssh). Either way the demo lands in a directory named
by its token, so its public URL reveals neither the lead nor any other demo.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from leadq.demo.programs import require_program
from leadq.errors import ConfigError, PermanentError, TransientError
from leadq.settings import Settings

#: Seconds one rsync run may take.
RSYNC_TIMEOUT = 300


def public_url(settings: Settings, token: str) -> str:
    if not settings.demo_base_url:
        raise ConfigError("set LEADQ_DEMO_BASE_URL to the public URL demos are served from")
    return f"{settings.demo_base_url.rstrip('/')}/{token}/"


def check_destination(settings: Settings) -> None:
    if not (settings.demo_root or settings.demo_rsync_target):
        raise ConfigError(
            "set LEADQ_DEMO_ROOT (a directory your web server serves) or LEADQ_DEMO_RSYNC_TARGET"
        )
    public_url(settings, "x")


def publish_site(settings: Settings, site: Path, token: str) -> str:
    """Copy ``site`` to the destination as ``<token>/``; its public URL."""
    check_destination(settings)
    if settings.demo_rsync_target:
        _rsync(["-r", "--delete", "--chmod=D755,F644", f"{site}/", f"{_target(settings)}{token}/"])
    else:
        root = Path(settings.demo_root)  # type: ignore[arg-type]
        root.mkdir(parents=True, exist_ok=True)
        # Copied beside, then swapped in: the web server never serves half a demo.
        staging = Path(tempfile.mkdtemp(prefix=f".{token}.", dir=root))
        shutil.copytree(site, staging, dirs_exist_ok=True)
        staging.chmod(0o755)
        final = root / token
        if final.exists():
            old = final.rename(root / f".{token}.old")
            staging.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(final)
    return public_url(settings, token)


def unpublish_site(settings: Settings, token: str) -> None:
    """Remove ``<token>/`` from the destination (nothing to do when it is not there)."""
    check_destination(settings)
    if settings.demo_rsync_target:
        with tempfile.TemporaryDirectory() as empty:
            # Syncing an empty directory with only <token>/ included deletes just that directory.
            _rsync(
                ["-r", "--delete", f"--include=/{token}/***", "--exclude=*", f"{empty}/", _target(settings)]
            )
    else:
        shutil.rmtree(Path(settings.demo_root) / token, ignore_errors=True)  # type: ignore[arg-type]


def _target(settings: Settings) -> str:
    return settings.demo_rsync_target.rstrip("/") + "/"  # type: ignore[union-attr]


def _rsync(arguments: list[str]) -> None:
    program = require_program("rsync", "rsync")
    try:
        result = subprocess.run(
            [program, *arguments], capture_output=True, text=True, timeout=RSYNC_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise TransientError(f"rsync took longer than {RSYNC_TIMEOUT} s") from None
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no message"])[-1]
        # 10-12, 30, 35: socket, protocol and timeout errors; anything else will fail again.
        error = TransientError if result.returncode in (10, 11, 12, 30, 35, 255) else PermanentError
        raise error(f"rsync failed (exit {result.returncode}): {message}")
