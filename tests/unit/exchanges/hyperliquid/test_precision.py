from __future__ import annotations

from decimal import Decimal

import pytest

from airflow_batchmod.exchanges.hyperliquid.metadata import AssetInfo
from airflow_batchmod.exchanges.hyperliquid.precision import (
    price_problems,
    round_limit_price,
    round_size,
    round_trigger_price,
    size_problems,
)

BTC = AssetInfo(asset=0, name="BTC", sz_decimals=5, is_spot=False)  # price decimals: 1
ETH = AssetInfo(asset=1, name="ETH", sz_decimals=4, is_spot=False)  # price decimals: 2
SOL = AssetInfo(asset=5, name="SOL", sz_decimals=2, is_spot=False)  # price decimals: 4
PURR = AssetInfo(asset=10000, name="PURR/USDC", sz_decimals=0, is_spot=True)  # price decimals: 8
HEAVY = AssetInfo(asset=10001, name="X/USDC", sz_decimals=8, is_spot=True)  # price decimals: 0


@pytest.mark.parametrize(
    ("asset", "price"),
    [
        (BTC, "59000"),
        (BTC, "59000.5"),  # 6 significant figures, but...
        (BTC, "123456"),  # integers are always allowed
        (BTC, "1234567"),
        (BTC, "5900.5"),
        (ETH, "3000.2"),
        (ETH, "300.25"),
        (SOL, "1.2345"),
        (SOL, "0.0001"),
        (PURR, "0.2"),
        (PURR, "0.00012345"),
        (HEAVY, "7"),
    ],
)
def test_valid_prices(asset: AssetInfo, price: str) -> None:
    problems = price_problems(Decimal(price), asset)
    if price == "59000.5":
        assert problems and "significant figures" in problems[0]
    else:
        assert problems == []


@pytest.mark.parametrize(
    ("asset", "price", "fragment"),
    [
        (BTC, "5900.55", "at most 1 (perp 6 - szDecimals 5)"),
        (BTC, "59000.5", "6 significant figures"),
        (ETH, "3000.255", "7 significant figures"),
        (ETH, "1.234", "at most 2"),
        (SOL, "1.23456", "6 significant figures"),
        (PURR, "0.000123456", "6 significant figures"),
        (PURR, "0.000000001", "at most 8 (spot 8 - szDecimals 0)"),
        (HEAVY, "7.5", "at most 0"),
    ],
)
def test_invalid_prices(asset: AssetInfo, price: str, fragment: str) -> None:
    problems = price_problems(Decimal(price), asset, "order.p")
    assert problems, price
    text = " ".join(problems)
    assert fragment in text
    assert text.startswith(f"order.p {Decimal(price).normalize():f}")


def test_trailing_zeros_do_not_count() -> None:
    assert price_problems(Decimal("59000.00000"), BTC) == []
    assert size_problems(Decimal("0.0100000000"), BTC) == []


@pytest.mark.parametrize(
    ("asset", "size", "ok"),
    [
        (BTC, "0.00001", True),
        (BTC, "0.000001", False),
        (PURR, "12", True),
        (PURR, "12.5", False),
        (ETH, "1.2345", True),
    ],
)
def test_sizes(asset: AssetInfo, size: str, ok: bool) -> None:
    problems = size_problems(Decimal(size), asset)
    assert (problems == []) == ok
    if not ok:
        assert f"size {size}" in problems[0] and f"at most {asset.sz_decimals}" in problems[0]


@pytest.mark.parametrize(
    ("asset", "price", "buy", "sell"),
    [
        (BTC, "59000.5", "59000", "59001"),
        (BTC, "5900.55", "5900.5", "5900.6"),
        (BTC, "123456.7", "123456", "123457"),  # >= 100000: to an integer
        (ETH, "1.23456", "1.23", "1.24"),  # 5 sig figs (1.2345 / 1.2346) then 2 decimals
        (SOL, "0.000123456", "0.0001", "0.0002"),
        (PURR, "0.000123456", "0.00012345", "0.00012346"),
        (PURR, "0.2", "0.2", "0.2"),
        (BTC, "99999.95", "99999", "100000"),
    ],
)
def test_round_limit_price_away_from_market(asset: AssetInfo, price: str, buy: str, sell: str) -> None:
    rounded_buy = round_limit_price(Decimal(price), asset, is_buy=True)
    rounded_sell = round_limit_price(Decimal(price), asset, is_buy=False)
    assert rounded_buy == Decimal(buy)
    assert rounded_sell == Decimal(sell)
    assert rounded_buy <= Decimal(price) <= rounded_sell
    assert price_problems(rounded_buy, asset) == []
    assert price_problems(rounded_sell, asset) == []


def test_round_limit_price_can_reach_zero() -> None:
    assert round_limit_price(Decimal("0.01"), BTC, is_buy=True) == 0


@pytest.mark.parametrize(
    ("price", "expected"),
    [("1.23456", "1.23"), ("1.235", "1.24"), ("1.245", "1.24"), ("3000.255", "3000.3")],
)
def test_round_trigger_price_to_nearest(price: str, expected: str) -> None:
    assert round_trigger_price(Decimal(price), ETH) == Decimal(expected)


@pytest.mark.parametrize(
    ("asset", "size", "expected"),
    [
        (BTC, "0.0123456", "0.01234"),
        (BTC, "0.019999999", "0.01999"),
        (PURR, "12.9", "12"),
        (PURR, "100", "100"),
    ],
)
def test_round_size_down(asset: AssetInfo, size: str, expected: str) -> None:
    rounded = round_size(Decimal(size), asset)
    assert rounded == Decimal(expected)
    assert size_problems(rounded, asset) == []
