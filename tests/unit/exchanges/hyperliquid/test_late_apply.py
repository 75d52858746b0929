"""How long a Hyperliquid action whose answer was lost may still land: its lifetime, plus grace."""

from __future__ import annotations

import pytest

from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient

KEY = "0x0123456789012345678901234567890123456789012345678901234567890123"


@pytest.mark.parametrize(("expires_after_ms", "seconds"), [(1000, 1.5), (5000, 5.5), (None, 0.0)])
def test_the_late_apply_window_is_the_action_lifetime_and_the_grace_reconcile_waits(
    expires_after_ms: int | None, seconds: float
) -> None:
    client = HyperliquidClient(KEY, base_url="http://127.0.0.1:9", expires_after_ms=expires_after_ms)
    try:
        assert client.late_apply_seconds == seconds
    finally:
        client.close()
