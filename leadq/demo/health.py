"""`leadq doctor`'s checks of the programs demo videos need: ffmpeg and espeak-ng."""

from __future__ import annotations

import shutil
import subprocess

from leadq.doctor import Check
from leadq.settings import Settings


def _program_check(name: str, package: str, version_flag: str) -> Check:
    path = shutil.which(name)
    if path is None:
        return Check(name, "warn", f"not found: `demo build --video` needs `sudo apt-get install {package}`")
    try:
        done = subprocess.run([path, version_flag], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check(name, "fail", f"{path} does not run: {exc}")
    first = (done.stdout.strip() or done.stderr.strip() or path).splitlines()[0]
    return Check(name, "ok", first)


def check_ffmpeg(settings: Settings) -> Check:
    """ffmpeg composes demo videos (optional: only `demo build --video` needs it)."""
    return _program_check("ffmpeg", "ffmpeg", "-version")


def check_espeak(settings: Settings) -> Check:
    """espeak-ng speaks demo voiceovers (optional: only `demo build --video` needs it)."""
    return _program_check("espeak-ng", "espeak-ng", "--version")
