"""The narrated demo video, checked with ffprobe: codecs, pixel format, length, moov atom first."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from leadq.demo.service import BuildOptions, build_demo
from leadq.demo.video import optimize_video
from leadq.demo.voiceover import wav_seconds
from leadq.programs import ProgramMissing, require_program

from .conftest import PLUMBER

pytestmark = pytest.mark.chromium


def probe(path: Path) -> dict:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def top_level_atoms(path: Path) -> list[str]:
    """The MP4's top-level box types in file order."""
    atoms, data, offset = [], path.read_bytes(), 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        atoms.append(kind.decode("latin-1"))
        offset += size if size else len(data)
    return atoms


def assert_plays_everywhere(video: Path, seconds: float) -> None:
    info = probe(video)
    streams = {stream["codec_type"]: stream for stream in info["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert streams["video"]["pix_fmt"] == "yuv420p"
    assert streams["audio"]["codec_name"] == "aac"
    assert abs(float(info["format"]["duration"]) - seconds) <= 0.5
    atoms = top_level_atoms(video)
    assert atoms.index("moov") < atoms.index("mdat"), atoms


def test_the_video_is_h264_aac_yuv420p_faststart_and_as_long_as_its_voice(
    settings, make_lead, tmp_path
) -> None:
    # Few, small frames: what is checked here does not depend on them, and they are the slow part.
    small = settings.model_copy(
        update={"demo_video_frames": 8, "demo_video_width": 640, "demo_video_height": 360}
    )
    demo = build_demo(small, make_lead(**PLUMBER), BuildOptions(screenshots=False, video=True))
    site = Path(demo.work_dir) / "site"
    facts = demo.manifest["video"]
    video = site / facts["path"]
    assert_plays_everywhere(video, facts["voice_seconds"])
    assert 10 < facts["voice_seconds"] < 60
    stream = next(s for s in probe(video)["streams"] if s["codec_type"] == "video")
    assert (stream["width"], stream["height"]) == (640, 360)
    assert (site / facts["poster"]).read_bytes()[:2] == b"\xff\xd8"  # a JPEG
    assert facts["bytes"] <= settings.demo_video_max_mb * 1_000_000 and not facts["reencoded"]
    assert "media/demo.mp4" in {entry["path"].removeprefix("site/") for entry in demo.manifest["files"]}

    # Over a (tiny) size budget, the video is encoded again to fit, still playable everywhere.
    copy = tmp_path / "copy.mp4"
    shutil.copy(video, copy)
    budget_mb = round(copy.stat().st_size * 0.75 / 1_000_000, 3)
    tight = settings.model_copy(update={"demo_video_max_mb": budget_mb})
    assert optimize_video(tight, copy, facts["voice_seconds"])
    assert copy.stat().st_size <= budget_mb * 1_000_000
    assert_plays_everywhere(copy, facts["voice_seconds"])


def test_a_missing_program_is_one_permanent_error_naming_the_debian_package(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ProgramMissing, match=r"ffmpeg not found: install Debian's ffmpeg"):
        require_program("ffmpeg", "ffmpeg")
    with pytest.raises(ProgramMissing, match=r"espeak-ng not found: install Debian's espeak-ng"):
        require_program("espeak-ng", "espeak-ng")


def test_wav_seconds_reads_the_length_of_a_wav(tmp_path) -> None:
    import wave

    path = tmp_path / "one.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(22050)
        out.writeframes(b"\0\0" * 33075)
    assert wav_seconds(path) == pytest.approx(1.5)
