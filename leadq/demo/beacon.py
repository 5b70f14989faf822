"""The view beacon of published demos: a 1x1 GIF whose loads are counted, served by the
unsubscribe endpoint's WSGI app (one small public service, not two).

What a view keeps: its time, a user-agent class (desktop, mobile, bot, other)
and a visitor key, the first 16 hex digits of an HMAC of the address's
network (/24 for IPv4, /48 for IPv6) under the unsubscribe secret. No address
is stored, and the key cannot be reversed without the secret; it only tells
one visitor from another. Every request gets the same GIF, known token or not,
so the beacon tells a prober nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from datetime import datetime

from leadq.db import session_scope
from leadq.demo.store import demo_by_token, record_view
from leadq.settings import Settings

#: The path a beacon URL ends with: ``…/demo-view/<token>.gif``.
PATH = re.compile(r"/demo-view/([0-9a-f]{32})\.gif$")
#: The smallest transparent GIF (43 bytes).
GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
_BOT = re.compile(r"bot|crawl|spider|slurp|preview|fetch|curl|wget|python|headless|scan", re.I)
_MOBILE = re.compile(r"mobi|android|iphone|ipad|ipod", re.I)


def agent_class(user_agent: str) -> str:
    if not user_agent.strip():
        return "other"
    if _BOT.search(user_agent):
        return "bot"
    return "mobile" if _MOBILE.search(user_agent) else "desktop"


def visitor_key(address: str, secret: str) -> str:
    """A keyed hash of the address's network, truncated: tells visitors apart, names none."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        network = "unknown"
    else:
        network = str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))
    return hmac.new(secret.encode(), f"demo-view\0{network}".encode(), hashlib.sha256).hexdigest()[:16]


def count_view(settings: Settings, secret: str, path: str, environ: dict, now: datetime) -> None:
    """Record one view of the demo named in ``path``; an unknown token records nothing."""
    match = PATH.search(path)
    if match is None:
        return
    with session_scope(settings) as session:
        demo = demo_by_token(match.group(1), session=session)
        if demo is not None and demo.state == "published":
            record_view(
                demo,
                agent=agent_class(environ.get("HTTP_USER_AGENT", "")),
                visitor=visitor_key(environ.get("REMOTE_ADDR", ""), secret),
                now=now,
                session=session,
            )
