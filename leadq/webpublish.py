"""Publishing a directory of static files where the world can see it, and taking it down again.

Two kinds of destination: a directory the VPS's web server serves, or any rsync
destination (a path, or ``user@host:/path`` over ssh). Either way the files land
in a directory named by a token, so a public URL reveals nothing about what else
is published there. Demos and website reports both publish this way.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from leadq.errors import PermanentError, TransientError
from leadq.programs import require_program

#: Seconds one rsync run may take.
RSYNC_TIMEOUT = 300


@dataclass(frozen=True)
class WebDestination:
    """Where published directories go: ``rsync_target`` when set, else ``root``; served at ``base_url``."""

    base_url: str
    root: Path | None = None
    rsync_target: str | None = None

    def public_url(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/{token}/"

    def publish(self, site: Path, token: str) -> str:
        """Copy ``site`` to the destination as ``<token>/``; its public URL."""
        if self.rsync_target:
            _rsync(["-r", "--delete", "--chmod=D755,F644", f"{site}/", f"{self._target()}{token}/"])
        else:
            root = Path(self.root)  # type: ignore[arg-type]
            root.mkdir(parents=True, exist_ok=True)
            # Copied beside, then swapped in: the web server never serves half a site.
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
        return self.public_url(token)

    def unpublish(self, token: str) -> None:
        """Remove ``<token>/`` from the destination (nothing to do when it is not there)."""
        if self.rsync_target:
            with tempfile.TemporaryDirectory() as empty:
                # Syncing an empty directory with only <token>/ included deletes just that directory.
                _rsync(
                    ["-r", "--delete", f"--include=/{token}/***", "--exclude=*", f"{empty}/", self._target()]
                )
        else:
            shutil.rmtree(Path(self.root) / token, ignore_errors=True)  # type: ignore[arg-type]

    def _target(self) -> str:
        return self.rsync_target.rstrip("/") + "/"  # type: ignore[union-attr]


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
