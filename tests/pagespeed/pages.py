"""Test pages with one known performance trait each, and the routes that serve them."""

from __future__ import annotations

import random
import struct
import zlib

from .conftest import LocalServer, Reply

HTML = {"Content-Type": "text/html; charset=utf-8"}
HEAD = (
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<title>Joe\'s Plumbing</title><meta name="description" content="Plumbing in Springfield since 1990.">'
)
TEXT = "<h1>Joe's Plumbing</h1>" + "<p>Fast, friendly plumbing for homes and shops in Springfield.</p>" * 5


def page(head: str = HEAD, body: str = TEXT) -> bytes:
    return f"<!doctype html><html lang=en><head>{head}</head><body>{body}</body></html>".encode()


def png(width: int, height: int) -> bytes:
    """A noisy PNG, built by hand so the test needs no imaging library.

    Noise, because Chrome ignores low-entropy images (under 0.05 bits per pixel)
    as LCP candidates: a solid colour would never be the largest paint.
    """
    noise = random.Random(4)
    raw = zlib.compress(b"".join(b"\x00" + noise.randbytes(3 * width) for _ in range(height)))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


HERO = '<img src="/hero.png?delay={delay}" width="1200" height="700" alt="Our van">'
# After load, so the content was painted before it moves, whatever the throttling.
SHIFT_SCRIPT = """<script>
addEventListener('load', () => setTimeout(() => {
  const banner = document.createElement('div');
  banner.style.height = '400px';
  banner.textContent = 'Spring sale!';
  document.body.prepend(banner);
}, 300));
</script>"""


def install(server: LocalServer) -> None:
    """Every page the local engine tests use, on one server."""
    hero = png(300, 175)
    server.route("/fast", Reply(200, page(), HTML))
    # A page that takes fetch away (some old polyfills do worse): the audit must not mind.
    server.route("/no-fetch", Reply(200, page(body="<script>window.fetch = null;</script>" + TEXT), HTML))
    server.route("/slow-server", Reply(200, page(), HTML, delay=1.5))
    server.route("/hero-early", Reply(200, page(body=HERO.format(delay=0) + TEXT), HTML))
    server.route("/hero-late", Reply(200, page(body=HERO.format(delay=1.5) + TEXT), HTML))
    server.route("/hero.png", lambda q: Reply(200, hero, {"Content-Type": "image/png"}, float(q["delay"][0])))
    # Nine times the pixels of /hero.png, as noisy: about 1.3 MB more to download.
    big_hero = HERO.replace("/hero.png?delay={delay}", "/big.png")
    server.route("/hero-big", Reply(200, page(body=big_hero + TEXT), HTML))
    server.route("/big.png", Reply(200, png(900, 525), {"Content-Type": "image/png"}))
    server.route("/shift", Reply(200, page(body=TEXT + SHIFT_SCRIPT), HTML))
    late = SHIFT_SCRIPT.replace("}, 300)", "}, 800)")
    server.route("/late-shift", Reply(200, page(body=TEXT + late), HTML))
    server.route(
        "/no-viewport",
        Reply(200, page(head="<title>Old site</title>", body=TEXT + '<img src="/hero.png?delay=0">'), HTML),
    )
    server.route("/blocking.js", Reply(200, b"window.x = 1;", {"Content-Type": "text/javascript"}))
    server.route("/blocking", Reply(200, page(head=HEAD + '<script src="/blocking.js"></script>'), HTML))
    # Busy for 300 ms, 0.5 s after load: a long task between FCP and TTI.
    busy = "<script>addEventListener('load', () => setTimeout(() => {const t = performance.now(); "
    busy += "while (performance.now() - t < 300) {}}, 500));</script>"
    server.route("/long-task", Reply(200, page(body=TEXT + busy), HTML))
    # Reports the screen it was laid out for, as a request the test server records.
    report = "<script>new Image().src = '/seen?width=' + innerWidth"
    report += " + '&mobile=' + /Mobile/.test(navigator.userAgent);</script>"
    server.route("/emulation", Reply(200, page(body=TEXT + report), HTML))
    server.route("/seen", Reply(204, b"", {}))
    # Wider than a phone: Chrome re-scales the page to fit, which it counts as input.
    wide = '<img src="/hero.png?delay=1.0" width="800" height="450" alt="Our van">'
    server.route("/wide-hero", Reply(200, page(body=wide + TEXT), HTML))
    server.route("/moved", Reply(301, b"", {"Location": "/fast"}))
    server.route("/hang", Reply(200, page(), HTML, delay=20))
