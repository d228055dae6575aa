"""HS256 tokens made here, for what `registry token` will not make: a token that has already expired."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def expired_token(secret: str, user: str, seconds_ago: int = 120) -> str:
    """A token for `user` signed with `secret` whose `exp` passed `seconds_ago` seconds ago."""
    now = int(time.time())
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps({"id": user, "sub": user, "iat": now - seconds_ago - 60, "exp": now - seconds_ago}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"
