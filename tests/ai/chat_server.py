"""A real HTTP server on 127.0.0.1 speaking the OpenAI Chat Completions protocol.

Responses have the shapes real servers send: ``chat.completion`` objects with
a usage block and finish reasons, ``{"error": {...}}`` bodies with 4xx/5xx,
Retry-After on 429, and a ``/models`` list. A test scripts what comes back
with ``script`` (one reply per request, in order) or ``answer`` (a function of
the request); ``scripts/bench-ai`` uses it with a fixed latency.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | str = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def completion(
    content: str | None,
    *,
    finish_reason: str = "stop",
    prompt_tokens: int = 120,
    completion_tokens: int = 40,
    model: str = "gpt-4o-mini",
) -> Reply:
    """A successful ``chat.completion`` as OpenAI returns it."""
    return Reply(
        body={
            "id": "chatcmpl-9test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_test",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


def json_completion(data: dict[str, Any], **kwargs) -> Reply:
    return completion(json.dumps(data), **kwargs)


def error(status: int, message: str, *, kind: str = "invalid_request_error", **headers: str) -> Reply:
    """An error as OpenAI returns it: ``{"error": {"message", "type", "param", "code"}}``."""
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return Reply(status=status, body=body, headers=dict(headers))


class ChatServer:
    """Serves POST /v1/chat/completions and GET /v1/models; remembers every request body."""

    def __init__(self, *, latency: float = 0.0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.scripted: list[Reply] = []
        self.answer: Callable[[dict[str, Any]], Reply] | None = None
        self.latency = latency
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path.rstrip("/").endswith("/models"):
                    models = [{"id": "gpt-4o-mini", "object": "model", "created": 1, "owned_by": "test"}]
                    self._send(Reply(body={"object": "list", "data": models}))
                else:
                    self._send(error(404, f"Unknown path {self.path}"))

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(error(404, f"Unknown path {self.path}"))
                    return
                self._send(server.reply_to(request))

            def _send(self, reply: Reply) -> None:
                time.sleep(reply.delay or server.latency)
                body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                data = body.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.scripted.extend(replies)

    def reply_to(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.scripted:
                return self.scripted.pop(0)
        if self.answer is not None:
            return self.answer(request)
        return error(500, "nothing scripted for this request", kind="server_error")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
