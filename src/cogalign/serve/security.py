"""Request size limits, security headers (content security policy) and rate limits.

Both middlewares are plain ASGI, so they see every request before any route does:

* :class:`BodyLimit` answers 413 to a body larger than the limit, whether it announces its
  length or streams it;
* :class:`SecurityHeaders` adds a content security policy that allows only this server's
  own scripts, styles, images and connections (no inline scripts, no other hosts), forbids
  framing, and sends no referrer (links carry participant ids), plus ``nosniff``; API and
  admin answers are never cached.

:class:`RateLimiter` is a token bucket per (rule, key): a participant's session for saving
trials, the client address for starting sessions and for admin log-ins. Buckets live in the
worker's memory (each worker of a multi-worker server counts on its own).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DEFAULT_RULES",
    "BodyLimit",
    "RateLimited",
    "RateLimiter",
    "Rule",
    "SecurityHeaders",
    "client_address",
]

#: The content security policy of every answer.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)

_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

_NO_STORE = (b"cache-control", b"no-store")


class _TooLarge(Exception):
    pass


async def _plain(send: Any, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode("ascii")), *_HEADERS]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies larger than ``max_bytes`` with 413.

    Parameters
    ----------
    app
        The ASGI app.
    max_bytes
        The largest body accepted.
    """

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Handle one ASGI request (others pass through)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await _plain(send, 400, "bad Content-Length")
                    return
                if length > self.max_bytes:
                    await _plain(send, 413, f"request body over {self.max_bytes} bytes")
                    return
        seen = 0
        started = False

        async def limited_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _plain(send, 413, f"request body over {self.max_bytes} bytes")


class SecurityHeaders:
    """Add the security headers (and ``no-store`` under the given path prefixes)."""

    def __init__(self, app: Any, no_store: tuple[str, ...] = ("/s/", "/admin")):
        self.app = app
        self.no_store = no_store

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Handle one ASGI request (others pass through)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        no_store = path.startswith(self.no_store) and "/images/" not in path

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [h for h in _HEADERS if h[0] not in present]
                if no_store and b"cache-control" not in present:
                    headers.append(_NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


@dataclass(frozen=True)
class Rule:
    """A rate: ``per_second`` on average, bursts of up to ``burst`` requests."""

    per_second: float
    burst: float

    @classmethod
    def parse(cls, text: str) -> Rule:
        """Read ``N/S`` (N requests per S seconds, bursts of N) or ``N/S:B``.

        Raises
        ------
        ValueError
            When the text is not of that form.
        """
        rate, _, burst = text.partition(":")
        n, slash, seconds = rate.partition("/")
        if not slash:
            raise ValueError(f"rate {text!r}: expected N/SECONDS, e.g. 30/60")
        count, span = float(n), float(seconds)
        if count <= 0 or span <= 0:
            raise ValueError(f"rate {text!r}: both numbers must be above 0")
        return cls(count / span, float(burst) if burst else count)


#: Default rules: starting or resuming a session per client address, saving trials per
#: session, admin log-ins per client address.
DEFAULT_RULES: dict[str, Rule] = {
    "start": Rule(1.0, 60.0),
    "trial": Rule(20.0, 60.0),
    "login": Rule(5 / 60, 5.0),
}


class RateLimited(Exception):
    """Too many requests: the client should wait ``retry_after`` seconds."""

    def __init__(self, retry_after: float):
        super().__init__(f"too many requests; try again in {retry_after:g} s")
        self.retry_after = retry_after


def client_address(request: Any) -> str:
    """The client's address (only for rate limits; it is never stored or logged)."""
    return request.client.host if request.client else "unknown"


class RateLimiter:
    """Token buckets per (rule, key).

    Parameters
    ----------
    rules
        Rule name to :class:`Rule`; missing names take :data:`DEFAULT_RULES`.
    max_keys
        Buckets kept (the least recently used are forgotten first).
    """

    def __init__(self, rules: Mapping[str, Rule] | None = None, max_keys: int = 100_000):
        self.rules = {**DEFAULT_RULES, **(rules or {})}
        self.max_keys = max_keys
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, rule: str, key: str, now: float | None = None) -> float | None:
        """Take one request from the bucket; ``None`` if allowed, else seconds to wait."""
        r = self.rules[rule]
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop((rule, key), (r.burst, now))
            tokens = min(r.burst, tokens + (now - last) * r.per_second)
            if tokens >= 1:
                self._buckets[(rule, key)] = (tokens - 1, now)
                wait = None
            else:
                self._buckets[(rule, key)] = (tokens, now)
                wait = (1 - tokens) / r.per_second
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return None if wait is None else max(1.0, math.ceil(wait))

    def enforce(self, rule: str, key: str) -> None:
        """Take one request from the bucket, or raise :class:`RateLimited`."""
        wait = self.check(rule, key)
        if wait is not None:
            raise RateLimited(wait)
