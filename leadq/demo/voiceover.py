"""The voiceover of a demo video: a short script spoken by espeak-ng into a WAV file.

The script is built from the business's shortened name and category, so it
stays a sentence or two whatever was scraped; it reaches espeak-ng through a
file (``-f``), never the command line, so no scraped text can become an option.
"""

from __future__ import annotations

import wave
from pathlib import Path

from leadq.demo.content import Business
from leadq.programs import require_program, run_program
from leadq.settings import Settings


def voice_script(business: Business, agency: str) -> str:
    """What the voice says: who the site is for, what it shows, who made it."""
    about = f", {business.category.lower()}" if business.category else ""
    contact = " and a tap-to-call button" if business.phone_tel else ""
    return (
        f"Hello! Here is a fresh website we designed for {business.short_name}{about}. "
        f"It loads in an instant on any phone, shows your services up front, "
        f"and brings customers straight to you, with your address, opening hours{contact}. "
        f"It is fast, clear and ready to go. This demo was made for you by {agency}. "
        f"We would love to hear what you think."
    )


def speak(settings: Settings, text: str, destination: Path) -> float:
    """Write ``text`` spoken by espeak-ng to ``destination`` (WAV); its duration in seconds."""
    program = require_program("espeak-ng", "espeak-ng")
    script = destination.with_suffix(".txt")
    script.write_text(text, encoding="utf-8")
    run_program(
        [
            program,
            "-v",
            settings.demo_voice,
            "-s",
            str(settings.demo_voice_speed),
            "-f",
            str(script),
            "-w",
            str(destination),
        ],
        timeout=settings.demo_media_timeout,
        what="espeak-ng",
    )
    return wav_seconds(destination)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()
