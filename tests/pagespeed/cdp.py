"""chromedriver performance-log entries built by hand, for the pure tests of what reads them."""

from __future__ import annotations

import json


def cdp_log(*requests: tuple[str, str, str | None, float, float, float]) -> list[dict]:
    """chromedriver performance-log entries for requests given as
    (url, CDP type, initiator url, sent s, headers s, finished s) on the browser's clock."""
    entries = []
    for number, (url, kind, initiator, sent, headers, finished) in enumerate(requests):
        request_id = f"r{number}"
        events = [
            (
                "Network.requestWillBeSent",
                {
                    "requestId": request_id,
                    "request": {"url": url},
                    "type": kind,
                    "initiator": {"type": "parser", "url": initiator} if initiator else {"type": "other"},
                },
            ),
            (
                "Network.responseReceived",
                {
                    "requestId": request_id,
                    "response": {"timing": timing(sent, headers)},
                },
            ),
            ("Network.loadingFinished", {"requestId": request_id, "timestamp": finished}),
        ]
        entries += [{"message": json.dumps({"message": {"method": m, "params": p}})} for m, p in events]
    return entries


def timing(sent: float, headers: float) -> dict:
    """Response timing as Chromium reports it: ms after ``requestTime`` (s)."""
    return {"requestTime": sent, "sendEnd": 1.0, "receiveHeadersEnd": (headers - sent) * 1000}
