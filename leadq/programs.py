"""External programs leadq runs (ffmpeg, espeak-ng, rsync), found once and named when missing.

They come from Debian packages like Chromium does; a missing one is a
permanent error naming the package, since retrying cannot install it.
"""

from __future__ import annotations

import shutil
import subprocess

from leadq.errors import PermanentError, TransientError


class ProgramMissing(PermanentError):
    """An external program leadq runs is not installed."""


def require_program(program: str, package: str, *, setting: str | None = None) -> str:
    """The full path of ``program``; ``ProgramMissing`` naming the Debian package when absent."""
    path = shutil.which(program)
    if path is None:
        hint = f" or set {setting}" if setting else ""
        raise ProgramMissing(
            f"{program} not found: install Debian's {package} (`sudo apt-get install {package}`){hint}"
        )
    return path


def run_program(argv: list[str], *, timeout: float, what: str) -> subprocess.CompletedProcess:
    """Run a program to completion; its last stderr line in the error when it fails.

    ``subprocess.run`` kills the child when the timeout expires, so a time limit
    leaves no ffmpeg behind.
    """
    try:
        result = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise TransientError(f"{what} took longer than {timeout:g} s") from None
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"]
        raise PermanentError(f"{what} failed (exit {result.returncode}): {lines[-1]}")
    return result
