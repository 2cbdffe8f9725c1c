"""Values the server hands out and must get back unchanged: page cursors, device cookies.

Each value is ``<base64url JSON>.<base64url HMAC-SHA256>``; the key is the stage's secret
(``CANTINE_SIGNING_KEY``) and every purpose gets its own derived key, so a value signed
for one purpose (a device cookie) is worthless for another (a cursor). Signed, not
encrypted: what they carry (a family's sort key, a login) is no secret, only its
integrity matters.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs and checks JSON values with HMAC-SHA256, one derived key per purpose."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode("utf-8")

    def _key(self, purpose: str) -> bytes:
        return hmac.new(self._secret, b"cantine/" + purpose.encode("utf-8"),
                        hashlib.sha256).digest()

    def sign(self, purpose: str, value: Any) -> str:
        """``value`` as a URL-safe token only this server can have made."""
        payload = json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8")
        mac = hmac.new(self._key(purpose), payload, hashlib.sha256).digest()
        return f"{_b64(payload)}.{_b64(mac)}"

    def unsign(self, purpose: str, token: Any, max_length: int = 2048) -> Any | None:
        """The value a token carries, or None if it was not signed here for ``purpose``."""
        if not isinstance(token, str) or len(token) > max_length or token.count(".") != 1:
            return None
        body, _, mac = token.partition(".")
        try:
            payload, given = _unb64(body), _unb64(mac)
        except (binascii.Error, ValueError):
            return None
        expected = hmac.new(self._key(purpose), payload, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, given):
            return None
        try:
            return json.loads(payload)
        except ValueError:  # cannot happen for a value signed here
            return None
