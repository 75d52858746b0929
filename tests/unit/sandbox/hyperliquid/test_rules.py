"""Hyperliquid tick, lot and minimum-value rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from airflow_batchmod.sandbox.hyperliquid.rules import (
    crosses,
    min_value_error,
    order_error,
    price_is_valid,
    size_is_valid,
)
from airflow_batchmod.sandbox.hyperliquid.state import HyperliquidAsset

BTC = HyperliquidAsset(asset=0, coin="BTC", sz_decimals=5, spot=False)
SOL = HyperliquidAsset(asset=2, coin="SOL", sz_decimals=2, spot=False)
PURR = HyperliquidAsset(asset=10000, coin="PURR/USDC", sz_decimals=0, spot=True)


@pytest.mark.parametrize(
    ("price", "asset", "valid"),
    [
        ("60000", BTC, True),
        ("123456", BTC, True),  # integers are always valid
        ("60000.5", BTC, False),  # 6 significant figures
        ("6000.5", BTC, True),
        ("0.5", BTC, True),
        ("0.05", BTC, False),  # BTC allows 6 - 5 = 1 decimal
        ("149.25", SOL, True),
        ("14.2555", SOL, False),  # 4 decimals are allowed, but not 6 significant figures
        ("1.2345", SOL, True),
        ("0.12345", SOL, False),  # 5 decimals > 4
        ("0.00012345", PURR, True),  # spot: 8 - 0 decimals
        ("0.000123456", PURR, False),
        ("0", PURR, False),
    ],
)
def test_price_rule(price: str, asset: HyperliquidAsset, valid: bool) -> None:
    assert price_is_valid(Decimal(price), asset) is valid


def test_size_rule() -> None:
    assert size_is_valid(Decimal("0.00001"), BTC)
    assert not size_is_valid(Decimal("0.000001"), BTC)
    assert size_is_valid(Decimal("100"), PURR) and not size_is_valid(Decimal("100.5"), PURR)
    assert size_is_valid(Decimal("100.0"), PURR)  # trailing zeros are not decimals
    assert not size_is_valid(Decimal("0"), SOL)


def test_order_error_precedence() -> None:
    assert order_error(Decimal("60000.5"), Decimal("0.0000001"), None, BTC) == (
        "Price must be divisible by tick size. asset=0"
    )
    assert order_error(Decimal("60000"), Decimal("0.000001"), None, BTC) == "Order has invalid size."
    # The minimum value is a placement check, made apart (after a modify's cancel leg).
    assert order_error(Decimal("60000"), Decimal("0.0001"), None, BTC) is None
    assert order_error(Decimal("60000"), Decimal("0.001"), Decimal("55000.5"), BTC) == (
        "Price must be divisible by tick size. asset=0"
    )


def test_minimum_value() -> None:
    assert min_value_error(Decimal("60000"), Decimal("0.0001"), BTC) == (
        "Order must have minimum value of $10. asset=0"
    )
    assert min_value_error(Decimal("60000"), Decimal("0.0002"), BTC) is None
    assert min_value_error(Decimal("0.1"), Decimal("99"), PURR) == (
        "Order must have minimum value of $10. asset=10000"
    )


def test_crossing() -> None:
    mark = Decimal("60000")
    assert crosses(True, Decimal("60000"), mark) and not crosses(True, Decimal("59999"), mark)
    assert crosses(False, Decimal("60000"), mark) and not crosses(False, Decimal("60001"), mark)
