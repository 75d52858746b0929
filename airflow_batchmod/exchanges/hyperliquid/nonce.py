"""Nonces for signed actions, unique and strictly increasing per signer, and how long an action
stays valid (``expiresAfter``).

The exchange keeps each signer's highest nonces and refuses a repeat, so two actions
signed in the same millisecond must not share the clock value (the SDK's raw
millisecond nonce collides that way). The source hands out ``max(now_ms, last + 1)``
under a lock, and one source is shared by every client of the same signer in this
process. Separate processes signing with one key can still collide; the exchange then
refuses the whole action ("Invalid nonce"), which the client reports as transient.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class NonceSource:
    """Thread-safe, strictly increasing millisecond nonces."""

    def __init__(self, clock: Callable[[], int] = now_ms) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        with self._lock:
            nonce = max(self._clock(), self._last + 1)
            self._last = nonce
            return nonce


_sources: dict[str, NonceSource] = {}
_sources_lock = threading.Lock()


def nonce_source_for(signer_address: str) -> NonceSource:
    """The process-wide nonce source of one signer (addresses compared lower-cased)."""
    key = signer_address.lower()
    with _sources_lock:
        source = _sources.get(key)
        if source is None:
            source = _sources[key] = NonceSource()
        return source


#: Seconds an action stays valid (``expiresAfter``) at most, unless the caller says otherwise.
#: Short, since reconciliation waits it out; long enough for transit and clock skew.
ACTION_LIFETIME_SECONDS = 5.0


def default_action_lifetime_ms(timeout: httpx.Timeout | None) -> int:
    """An action still unapplied when its answer times out must never apply later, after we have
    looked and resent: let it expire when we stop waiting for it."""
    read = timeout.read if timeout is not None and timeout.read is not None else ACTION_LIFETIME_SECONDS
    return int(min(read, ACTION_LIFETIME_SECONDS) * 1000)
