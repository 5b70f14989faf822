"""Filming a page load, and Speed Index from the film, as Lighthouse's speedline computes it.

Chromedriver answers one command at a time and ``driver.get`` returns only at
the load event, so frames cannot be acknowledged (and Chromium sends no more
than two unacknowledged) over its connection. ``Screencast`` opens a second
DevTools connection to the same tab and acknowledges each frame on its own
thread: Chromium then sends a frame whenever the picture changes.

Speed Index (speedline's ``speedIndex``): each frame's visual progress is how
far its colour histograms moved from the first frame's towards the last's
(near-white pixels ignored); the index sums, over time, the part of the page
not yet painted. The first frame is always the blank page the audit starts
from (about:blank: all white, so an empty histogram); taking it as given
rather than waiting for Chromium's first frame leaves no race with the paint.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from dataclasses import dataclass

import requests
import websocket
from PIL import Image, ImageChops

from leadq.errors import TransientError

#: Frames are small: enough for a histogram and a thumbnail, cheap to send and decode.
FRAME_MAX_WIDTH = 180
FRAME_MAX_HEIGHT = 360
FRAME_QUALITY = 50
#: Thumbnails kept for the report (Lighthouse's filmstrip shows 8-10).
THUMBNAILS = 8
#: speedline ignores pixels brighter than this in all three channels (the empty page is white).
_WHITE = 249
_CONNECT_TIMEOUT_S = 5


@dataclass
class Frame:
    at_ms: float  # wall clock, ms since the epoch (compare with performance.timeOrigin)
    jpeg: bytes


class Screencast:
    """Frames of one tab while it loads; ``stop`` returns them in order."""

    def __init__(self, debugger_address: str, target_id: str) -> None:
        session = requests.Session()
        session.trust_env = False  # localhost, never through a configured proxy
        self._frames: list[Frame] = []
        self._lock = threading.Lock()
        self._ids = iter(range(1, 1 << 30))
        self._ws: websocket.WebSocket | None = None
        try:
            targets = session.get(f"http://{debugger_address}/json/list", timeout=_CONNECT_TIMEOUT_S).json()
            url = next(t["webSocketDebuggerUrl"] for t in targets if t.get("id") == target_id)
            self._ws = websocket.create_connection(url, timeout=_CONNECT_TIMEOUT_S, suppress_origin=True)
            self._send(
                "Page.startScreencast",
                {
                    "format": "jpeg",
                    "quality": FRAME_QUALITY,
                    "maxWidth": FRAME_MAX_WIDTH,
                    "maxHeight": FRAME_MAX_HEIGHT,
                },
            )
        except (requests.RequestException, StopIteration, OSError, websocket.WebSocketException) as exc:
            if self._ws is not None:
                self._ws.close()
            raise TransientError(f"cannot film the page: no DevTools connection ({exc})") from None
        finally:
            session.close()
        self._reader = threading.Thread(target=self._read, name="leadq-screencast", daemon=True)
        self._reader.start()

    def stop(self) -> list[Frame]:
        try:
            self._send("Page.stopScreencast", {})
        except (OSError, websocket.WebSocketException):
            pass  # the tab or browser is gone: what was filmed is still good
        self._ws.close()
        self._reader.join(timeout=_CONNECT_TIMEOUT_S)
        with self._lock:
            return sorted(self._frames, key=lambda frame: frame.at_ms)

    def _send(self, method: str, params: dict) -> None:
        with self._lock:
            self._ws.send(json.dumps({"id": next(self._ids), "method": method, "params": params}))

    def _read(self) -> None:
        while True:
            try:
                message = json.loads(self._ws.recv())
            except (OSError, ValueError, websocket.WebSocketException):
                return  # closed by stop(), or the browser went away
            if message.get("method") != "Page.screencastFrame":
                continue
            params = message["params"]
            frame = Frame(params["metadata"]["timestamp"] * 1000, base64.b64decode(params["data"]))
            with self._lock:
                self._frames.append(frame)
            try:
                self._send("Page.screencastFrameAck", {"sessionId": params["sessionId"]})
            except (OSError, websocket.WebSocketException):
                return


#: Lookup table for Image.point: 255 where a channel is near-white.
_NEAR_WHITE = [255 if value > _WHITE else 0 for value in range(256)]


def _histogram(jpeg: bytes) -> list[int]:
    """R, G and B histograms (256 bins each) of the pixels that are not near-white."""
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    white = [band.point(_NEAR_WHITE) for band in image.split()]
    not_white = ImageChops.invert(ImageChops.multiply(ImageChops.multiply(white[0], white[1]), white[2]))
    return image.histogram(mask=not_white)


def visual_progress(frames: list[Frame]) -> list[float]:
    """Each frame's progress, 0-100, from the blank page towards the last frame (speedline's way)."""
    # A page that stopped changing sends the same picture again: decode each picture once.
    decoded: dict[bytes, list[int]] = {}
    for frame in frames:
        if frame.jpeg not in decoded:
            decoded[frame.jpeg] = _histogram(frame.jpeg)
    histograms = [decoded[frame.jpeg] for frame in frames]
    initial, target = [0] * len(histograms[0]), histograms[-1]
    progress = []
    for current in histograms:
        match = total = 0
        for now, start, end in zip(current, initial, target, strict=True):
            target_diff = abs(end - start)
            match += min(abs(now - start), target_diff)
            total += target_diff
        progress.append(100.0 if total == 0 else float(int(match / total * 100)))
    return progress


def progress_curve(frames: list[Frame], start_ms: float) -> list[tuple[float, float]]:
    """``(ms after start_ms, visual progress 0-100)`` per frame; frames from before the
    navigation (the blank page) count from its start."""
    if not frames:
        return []
    progress = visual_progress(frames)
    return [(max(frame.at_ms - start_ms, 0.0), done) for frame, done in zip(frames, progress, strict=True)]


def speed_index_of(curve: list[tuple[float, float]]) -> float | None:
    """Speed Index in ms of a progress curve: the area above it, up to its end; None if empty."""
    if not curve:
        return None
    total, last_at, last_progress = 0.0, 0.0, 0.0
    for at, done in curve:
        at = max(at, last_at)
        total += (at - last_at) * (1 - last_progress / 100)
        last_at, last_progress = at, done
    return round(total, 1)


def thumbnails(frames: list[Frame], start_ms: float, *, count: int = THUMBNAILS) -> list[dict]:
    """``count`` pictures evenly spaced up to the last change, each the screen at that moment,
    as ``{"timing_ms", "data"}`` (the report's filmstrip, Lighthouse's ``screenshot-thumbnails``)."""
    if not frames:
        return []
    end = max(frames[-1].at_ms - start_ms, 1.0)
    strip = []
    for step in range(1, count + 1):
        at = end * step / count
        shown = [frame for frame in frames if frame.at_ms - start_ms <= at][-1:] or frames[:1]
        data = "data:image/jpeg;base64," + base64.b64encode(shown[0].jpeg).decode()
        strip.append({"timing_ms": round(at), "data": data})
    return strip
