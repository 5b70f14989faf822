"""The demo video: scroll frames and the voiceover composed by ffmpeg into an MP4 that plays
everywhere a prospect may open it (H.264 + AAC, yuv420p, moov atom first), plus a poster image.

The frames are shown at whatever rate spreads them over exactly the voice's
length, so the video ends when the voice does. A video over the size budget
is encoded again at the bitrate that fits it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from leadq.programs import require_program, run_program
from leadq.settings import Settings

#: Output frame rate: smooth enough for a scroll, cheap to encode.
FPS = 25
AUDIO_KBPS = 96


@dataclass(frozen=True)
class Video:
    path: Path
    poster: Path
    seconds: float
    bytes: int
    reencoded: bool


def compose_video(
    settings: Settings, frames: list[Path], voice: Path, seconds: float, destination: Path
) -> Video:
    """``destination`` (MP4) from ``frames`` (``frame-0000.png``…) and ``voice`` lasting ``seconds``."""
    ffmpeg = require_program("ffmpeg", "ffmpeg")
    rate = Fraction(len(frames)) / Fraction(seconds).limit_denominator(1000)
    pattern = frames[0].parent / "frame-%04d.png"
    encode = [
        ffmpeg, "-nostdin", "-y", "-loglevel", "error",
        "-framerate", f"{rate.numerator}/{rate.denominator}", "-i", str(pattern),
        "-i", str(voice),
        "-vf", f"fps={FPS},scale={settings.demo_video_width}:{settings.demo_video_height},format=yuv420p",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-tune", "stillimage",
        "-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k",
        "-t", f"{seconds:.3f}", "-movflags", "+faststart",
    ]  # fmt: skip
    run_program([*encode, str(destination)], timeout=settings.demo_media_timeout, what="ffmpeg")
    reencoded = optimize_video(settings, destination, seconds)
    poster = destination.with_name("poster.jpg")
    run_program(
        [ffmpeg, "-nostdin", "-y", "-loglevel", "error", "-i", str(frames[0]),
         "-vf", f"scale={settings.demo_video_width}:{settings.demo_video_height}", "-q:v", "4", str(poster)],
        timeout=settings.demo_media_timeout,
        what="ffmpeg (poster)",
    )  # fmt: skip
    return Video(destination, poster, seconds, destination.stat().st_size, reencoded)


def optimize_video(settings: Settings, video: Path, seconds: float) -> bool:
    """Re-encode ``video`` to fit ``demo_video_max_mb`` when it is bigger; whether it had to.

    Encoders overshoot a bitrate at low rates, so an encode still over the
    budget is done again with a fifth less, a few times at most.
    """
    budget = int(settings.demo_video_max_mb * 1_000_000)
    if video.stat().st_size <= budget:
        return False
    ffmpeg = require_program("ffmpeg", "ffmpeg")
    smaller = video.with_name(video.stem + ".small.mp4")
    share = 0.95
    for _ in range(4):
        # The budget spread over the length; a tight budget halves the voice's bitrate too.
        total_kbps = int(budget * share * 8 / 1000 / seconds)
        audio_kbps = AUDIO_KBPS if total_kbps >= 4 * AUDIO_KBPS else AUDIO_KBPS // 2
        video_kbps = max(20, total_kbps - audio_kbps)
        run_program(
            [ffmpeg, "-nostdin", "-y", "-loglevel", "error", "-i", str(video),
             "-c:v", "libx264", "-preset", "veryfast", "-b:v", f"{video_kbps}k",
             "-maxrate", f"{video_kbps}k", "-bufsize", f"{video_kbps * 2}k", "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-b:a", f"{audio_kbps}k", "-movflags", "+faststart", str(smaller)],
            timeout=settings.demo_media_timeout,
            what="ffmpeg (size budget)",
        )  # fmt: skip
        if smaller.stat().st_size <= budget:
            break
        share *= 0.8
    smaller.replace(video)
    return True
