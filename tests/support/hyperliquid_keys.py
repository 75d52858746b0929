"""The key Hyperliquid's unit tests sign with, its address, a vault, and how two signatures are compared."""

from __future__ import annotations

from typing import Any

KEY = "0x0123456789012345678901234567890123456789012345678901234567890123"
ADDRESS = "0x14791697260E4c9A71f18484C9f997B308e59325"
VAULT = "0x1719884eb866cb12b2287399b15f7db5e7d775ea"


def _same_signature(actual: Any, expected: tuple[str, str, int]) -> None:
    assert int(actual["r"], 16) == int(expected[0], 16)
    assert int(actual["s"], 16) == int(expected[1], 16)
    assert actual["v"] == expected[2]
