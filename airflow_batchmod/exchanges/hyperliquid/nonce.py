"""Nonces for signed actions: unique and strictly increasing per signer.

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
