"""Bitget request signing: HMAC-SHA256 over ``timestamp + METHOD + path[?query] + body``, base64."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping


def sorted_query(params: Mapping[str, str]) -> str:
    """The query string Bitget signs: keys sorted ascending, ``k=v`` joined by ``&``, not URL-encoded."""
    return "&".join(f"{key}={params[key]}" for key in sorted(params))


def prehash(timestamp: str, method: str, path: str, query: str, body: str) -> str:
    """The exact text that is signed. ``query`` is empty or already sorted; body is empty for GET."""
    return timestamp + method.upper() + path + (f"?{query}" if query else "") + body


def sign(secret: str, timestamp: str, method: str, path: str, query: str = "", body: str = "") -> str:
    """``ACCESS-SIGN`` for one request."""
    digest = hmac.new(
        secret.encode(), prehash(timestamp, method, path, query, body).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()
