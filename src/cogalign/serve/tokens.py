"""Signed tokens: participant session tokens, the admin cookie and CSRF tokens.

A token is ``base64url(JSON payload) "." base64url(HMAC-SHA256(key, purpose "." payload))``.
The purpose is part of the signed text, so a token made for one use (a participant's
session) is never accepted for another (the admin cookie). The key is the server's signing
key (:meth:`cogalign.serve.db.Database.secret`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

__all__ = ["Signer", "same_secret"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def same_secret(given: str, expected: str) -> bool:
    """Compare a secret with the expected one in constant time."""
    a = hashlib.sha256(given.encode("utf-8")).digest()
    b = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(a, b)


class Signer:
    """Make and check signed tokens.

    Parameters
    ----------
    key
        The signing key (at least 32 bytes).
    """

    def __init__(self, key: bytes):
        if len(key) < 32:
            raise ValueError("the signing key must be at least 32 bytes")
        self._key = key

    def _mac(self, purpose: str, body: str) -> str:
        digest = hmac.new(self._key, f"{purpose}.{body}".encode("ascii"), hashlib.sha256)
        return _b64(digest.digest())

    def sign(self, purpose: str, payload: dict[str, Any]) -> str:
        """A token carrying ``payload`` (plus its issue time ``iat``) for ``purpose``."""
        body = _b64(json.dumps({**payload, "iat": int(time.time())}, sort_keys=True,
                               separators=(",", ":")).encode("utf-8"))
        return f"{body}.{self._mac(purpose, body)}"

    def unsign(self, purpose: str, token: str, max_age: float | None = None) -> dict[str, Any] | None:
        """The payload of a valid token for ``purpose``, or ``None``.

        Parameters
        ----------
        purpose
            What the token must have been made for.
        token
            The token.
        max_age
            Seconds a token stays valid after it was made (``None``: no limit).
        """
        if not isinstance(token, str) or len(token) > 2048 or token.count(".") != 1:
            return None
        body, mac = token.split(".")
        try:
            if not hmac.compare_digest(mac.encode("ascii"), self._mac(purpose, body).encode("ascii")):
                return None
            payload = json.loads(_unb64(body))
        except (ValueError, UnicodeError):
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("iat"), int):
            return None
        if max_age is not None and time.time() - payload["iat"] > max_age:
            return None
        return payload
