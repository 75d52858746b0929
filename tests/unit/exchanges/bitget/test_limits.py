"""Limits that depend on the market or the book: post-only crossing, the price band, the value floor."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.exchanges.base import PreparedEdit, Quote
from airflow_batchmod.exchanges.bitget.book import Ticker
from airflow_batchmod.exchanges.bitget.limits import check_limits, market_problems
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem, Instrument, OrderInfo

TICKER = Ticker(bid=Decimal("59999.9"), ask=Decimal("60000.1"), mark=Decimal("60000"))


def instrument(**fields: Any) -> Instrument:
    return Instrument.model_validate({"symbol": "BTCUSDT", "category": "USDT-FUTURES", **fields})


def order(side: str, tif: str = "gtc", **fields: Any) -> OrderInfo:
    return OrderInfo.model_validate(
        {"orderId": "1", "side": side, "timeInForce": tif, "orderStatus": "live", **fields}
    )


@pytest.mark.parametrize(
    ("side", "price", "crosses"),
    [("buy", "60000.1", True), ("buy", "60000", False), ("sell", "59999.9", True), ("sell", "60000", False)],
)
def test_post_only_edits_that_meet_the_other_side_cross(side: str, price: str, crosses: bool) -> None:
    problems = market_problems(Decimal(price), order(side, "post_only"), instrument(), TICKER)
    assert bool(problems) is crosses
    if crosses:
        best = "ask 60000.1" if side == "buy" else "bid 59999.9"
        assert f"post-only {side} at {price} would cross the best {best}" in problems[0]
    assert market_problems(Decimal(price), order(side), instrument(), TICKER) == []  # gtc may take


def test_the_price_band_around_the_mark() -> None:
    band = instrument(buyLimitPriceRatio="0.01", sellLimitPriceRatio="0.02")
    assert market_problems(Decimal("60600"), order("buy"), band, TICKER) == []
    (high,) = market_problems(Decimal("60600.1"), order("buy"), band, TICKER)
    assert high == "buy price 60600.1 is above the band limit 60600 (mark 60000 + 1%)"
    assert market_problems(Decimal("58800"), order("sell"), band, TICKER) == []
    (low,) = market_problems(Decimal("58799.9"), order("sell"), band, TICKER)
    assert low == "sell price 58799.9 is below the band limit 58800 (mark 60000 - 2%)"


def test_the_value_floor_takes_the_books_other_value_and_tickers_are_read_only_when_needed() -> None:
    reads: list[tuple[str, str]] = []

    def read(category: str, symbol: str) -> Ticker:
        reads.append((category, symbol))
        return TICKER

    def edit(index: int, price: str | None, qty: str | None, wanted: Quote) -> PreparedEdit:
        item = BatchModifyItem(orderId="1", price=price, qty=qty, symbol="BTCUSDT", category="USDT-FUTURES")
        return PreparedEdit(index, "orderId:1", "USDT-FUTURES", f"#{index}", item, wanted=wanted)

    edits = [
        edit(0, None, "0.001", Quote("59000", "0.001")),  # 59 < 100
        edit(1, "59000", None, Quote("59000", "0.002")),  # 118: fine
    ]
    floor = {"USDT-FUTURES": {"BTCUSDT": instrument(minOrderAmount="100")}}
    kept, problems = check_limits(edits, {0: order("buy"), 1: order("buy")}, floor, read)
    assert [e.index for e in kept] == [1]
    assert problems[0].problems == ("order value 59 (price x qty) is below the minimum 100 for BTCUSDT",)
    assert reads == []  # gtc orders and no band: the market is not read
    check_limits(edits, {0: order("buy"), 1: order("buy", "post_only")}, floor, read)
    assert reads == [("USDT-FUTURES", "BTCUSDT")]
