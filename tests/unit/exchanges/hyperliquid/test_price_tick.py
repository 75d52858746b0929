"""The tick and lot ``min_change`` measures Hyperliquid moves in: each tick is the smallest move
the price rule accepts, checked against the rule itself."""

from __future__ import annotations

from decimal import Decimal

import pytest

from airflow_batchmod.exchanges.hyperliquid.metadata import AssetInfo
from airflow_batchmod.exchanges.hyperliquid.precision import price_problems, price_tick, size_lot

BTC = AssetInfo(asset=0, name="BTC", sz_decimals=5, is_spot=False)
SOL = AssetInfo(asset=5, name="SOL", sz_decimals=2, is_spot=False)
PURR = AssetInfo(asset=10_000, name="PURR/USDC", sz_decimals=0, is_spot=True)


@pytest.mark.parametrize(
    ("price", "asset", "tick"),
    [
        ("149.25", SOL, "0.01"),  # five significant figures
        ("9.5", SOL, "0.0001"),  # the perp decimal limit (6 - 2)
        ("59900", BTC, "1"),  # integers are always valid
        ("123456", BTC, "1"),
        ("0.0123", PURR, "0.000001"),  # five significant figures below 1
        ("0.00012", PURR, "0.00000001"),  # spot: 8 - 0 decimals
        ("2.5", PURR, "0.0001"),
    ],
)
def test_tick_is_the_smallest_valid_move(price: str, asset: AssetInfo, tick: str) -> None:
    value, step = Decimal(price), Decimal(tick)
    assert price_tick(value, asset) == step
    assert price_problems(value + step, asset) == []
    if step < 1:
        assert price_problems(value + step / 10, asset) != []


def test_lot_follows_sz_decimals() -> None:
    assert size_lot(SOL) == Decimal("0.01")
    assert size_lot(PURR) == Decimal(1)
