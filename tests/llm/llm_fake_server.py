"""A small OpenAI-compatible chat server on 127.0.0.1 for the chat-backend tests.

Each request pops the next scripted behaviour (or uses ``default``):

``{"status": 429, "headers": {"Retry-After": "0"}}``   an HTTP error (optional ``"body"``)
``{"sleep": 1.0}``                                     wait before answering (a timeout)
``{"raw": b"not json"}``                               a malformed body with status 200
``{"content": "2", "top": {"2": -0.1, "1": -2.5}}``    an answer, optionally with top_logprobs
``{"refusal": "I can't help with that"}``               a refusal
``{"answer": callable}``                               ``callable(request_json) -> behaviour``
``{"hang": True}``                                     accept the request, never answer
                                                       (until the server closes)

:func:`refused_base_url` gives a URL on 127.0.0.1 where nothing listens (connection refused).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def completion(content: str | None, top: dict[str, float] | None = None, refusal: str | None = None,
               finish_reason: str = "stop") -> dict[str, Any]:
    """The JSON body of one chat completion."""
    choice: dict[str, Any] = {
        "index": 0,
        "message": {"role": "assistant", "content": content, "refusal": refusal},
        "finish_reason": finish_reason,
    }
    if top:
        first = max(top, key=top.get)
        choice["logprobs"] = {
            "content": [
                {
                    "token": first,
                    "logprob": top[first],
                    "top_logprobs": [{"token": t, "logprob": lp} for t, lp in top.items()],
                }
            ]
        }
    return {"id": "fake", "object": "chat.completion", "created": 0, "model": "fake-model",
            "choices": [choice]}


def refused_base_url() -> str:
    """A chat URL on 127.0.0.1 whose port was just free: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


class FakeChatServer:
    """Threaded fake server; use as a context manager. ``requests`` records every request body."""

    def __init__(self, default: dict[str, Any] | None = None):
        self.script: deque[dict[str, Any]] = deque()
        self.default = default or {"content": "1"}
        self.requests: list[dict[str, Any]] = []
        self.times: list[float] = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server.lock:
                    server.requests.append(body)
                    server.times.append(time.monotonic())
                    behaviour = server.script.popleft() if server.script else server.default
                if "answer" in behaviour:
                    behaviour = behaviour["answer"](body)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(404, b'{"error": "not found"}')
                if behaviour.get("hang"):
                    server.closing.wait(60)
                    return None
                if "sleep" in behaviour:
                    time.sleep(behaviour["sleep"])
                if "status" in behaviour:
                    body_out = behaviour.get("body", b'{"error": {"message": "scripted"}}')
                    return self._send(behaviour["status"], body_out, behaviour.get("headers"))
                if "raw" in behaviour:
                    return self._send(200, behaviour["raw"])
                payload = completion(behaviour.get("content"), behaviour.get("top"),
                                     behaviour.get("refusal"), behaviour.get("finish_reason", "stop"))
                if not body.get("logprobs"):
                    payload["choices"][0].pop("logprobs", None)
                self._send(200, json.dumps(payload).encode())

            def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def push(self, *behaviours: dict[str, Any]) -> None:
        """Queue behaviours for the next requests, in order."""
        with self.lock:
            self.script.extend(behaviours)

    def __enter__(self) -> FakeChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
