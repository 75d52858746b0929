"""Hyperliquid nonce rules per signer."""

from __future__ import annotations

from airflow_batchmod.sandbox.hyperliquid.nonces import ONE_DAY_MS, TWO_DAYS_MS, NonceTracker

NOW = 1_750_000_000_000


def test_duplicate_is_refused_per_signer() -> None:
    tracker = NonceTracker()
    assert tracker.use("0xAbC", NOW, NOW) is None
    assert tracker.use("0xabc", NOW, NOW) == f"Invalid nonce: duplicate nonce {NOW}"
    assert tracker.use("0xdef", NOW, NOW) is None


def test_out_of_order_nonces_are_fine_until_a_hundred_are_kept() -> None:
    tracker = NonceTracker()
    assert tracker.use("s", NOW + 10, NOW) is None
    assert tracker.use("s", NOW + 5, NOW) is None  # lower, but not below the kept minimum yet
    for i in range(98):
        assert tracker.use("s", NOW + 100 + i, NOW) is None
    assert len(tracker.kept("s")) == 100
    assert tracker.use("s", NOW + 4, NOW) == f"Invalid nonce: nonce too low {NOW + 4} < {NOW + 5}"
    assert tracker.use("s", NOW + 6, NOW) is None  # above the smallest kept: accepted, evicts NOW + 5
    assert tracker.kept("s")[0] == NOW + 6
    assert tracker.use("s", NOW + 5, NOW) == f"Invalid nonce: nonce too low {NOW + 5} < {NOW + 6}"


def test_time_window() -> None:
    tracker = NonceTracker()
    far = "Invalid nonce: nonce too far from current time"
    assert tracker.use("s", NOW - TWO_DAYS_MS, NOW) == far
    assert tracker.use("s", NOW + ONE_DAY_MS, NOW) == far
    assert tracker.use("s", NOW - TWO_DAYS_MS + 1, NOW) is None
    assert tracker.use("s", NOW + ONE_DAY_MS - 1, NOW) is None
    assert tracker.kept("s") == [NOW - TWO_DAYS_MS + 1, NOW + ONE_DAY_MS - 1]
