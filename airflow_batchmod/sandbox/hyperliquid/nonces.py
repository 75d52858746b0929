"""Hyperliquid nonce rules, tracked per signer (the agent key, or the user key)."""

from __future__ import annotations

import bisect

#: How many of the highest nonces the exchange keeps per signer.
KEPT_NONCES = 100
TWO_DAYS_MS = 2 * 24 * 3600 * 1000
ONE_DAY_MS = 24 * 3600 * 1000


class NonceTracker:
    def __init__(self, kept: int = KEPT_NONCES) -> None:
        self._kept = kept
        self._by_signer: dict[str, list[int]] = {}

    def use(self, signer: str, nonce: int, now_ms: int) -> str | None:
        """Consume ``nonce`` for ``signer``; returns the exchange's error text, or ``None`` if accepted."""
        kept = self._by_signer.setdefault(signer.lower(), [])
        position = bisect.bisect_left(kept, nonce)
        if position < len(kept) and kept[position] == nonce:
            return f"Invalid nonce: duplicate nonce {nonce}"
        if len(kept) >= self._kept and nonce < kept[0]:
            return f"Invalid nonce: nonce too low {nonce} < {kept[0]}"
        if not now_ms - TWO_DAYS_MS < nonce < now_ms + ONE_DAY_MS:
            return "Invalid nonce: nonce too far from current time"
        kept.insert(position, nonce)
        if len(kept) > self._kept:
            del kept[0]
        return None

    def kept(self, signer: str) -> list[int]:
        return list(self._by_signer.get(signer.lower(), []))
