"""Tick, lot, decimals, min/max and status rules of Bitget UTA instruments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from airflow_batchmod.exchanges.bitget.models import Instrument
from airflow_batchmod.exchanges.bitget.precision import (
    check_edit,
    check_price,
    check_qty,
    check_status,
    is_multiple,
    price_step,
    qty_step,
)
from tests.support.seed import BTC_FUTURES

D = Decimal


def instrument(**changes: object) -> Instrument:
    document: dict[str, object] = dict(BTC_FUTURES)
    document.update(changes)
    return Instrument.model_validate({k: v for k, v in document.items() if v is not None})


def test_steps_prefer_multipliers() -> None:
    assert price_step(instrument(priceMultiplier="0.5")) == D("0.5")
    assert qty_step(instrument(quantityMultiplier="0.01")) == D("0.01")


def test_steps_fall_back_to_precision() -> None:
    assert price_step(instrument(priceMultiplier=None, pricePrecision="2")) == D("0.01")
    assert price_step(instrument(priceMultiplier="0", pricePrecision="2")) == D("0.01")
    assert qty_step(instrument(quantityMultiplier="", quantityPrecision="0")) == D("1")
    assert price_step(instrument(priceMultiplier=None, pricePrecision=None)) is None


def test_price_not_a_multiple_of_tick() -> None:
    assert check_price(instrument(), D("60000.05")) == [
        "price 60000.05 is not a multiple of the tick 0.1 for BTCUSDT"
    ]


@pytest.mark.parametrize("price", ["60000.1", "60000.10", "60000", "0.1"])
def test_price_on_tick(price: str) -> None:
    assert check_price(instrument(), D(price)) == []


def test_coarse_multiplier() -> None:
    rules = instrument(priceMultiplier="0.5")
    assert check_price(rules, D("100.3")) == ["price 100.3 is not a multiple of the tick 0.5 for BTCUSDT"]
    assert check_price(rules, D("100.5")) == []


def test_multiplier_and_decimals_both_apply() -> None:
    # 0.005 steps would allow 1.005, but the instrument has only 2 decimals.
    rules = instrument(priceMultiplier="0.005", pricePrecision="2")
    assert check_price(rules, D("1.005")) == ["price 1.005 has more than 2 decimal places for BTCUSDT"]
    assert check_price(rules, D("1.013")) == ["price 1.013 is not a multiple of the tick 0.005 for BTCUSDT"]
    assert check_price(rules, D("1.01")) == []


def test_docs_example_two_decimals_step_002() -> None:
    rules = instrument(priceMultiplier="0.02", pricePrecision="2")
    assert check_price(rules, D("10.04")) == []
    assert check_price(rules, D("10.03")) == ["price 10.03 is not a multiple of the tick 0.02 for BTCUSDT"]


def test_qty_step_and_limits() -> None:
    rules = instrument()
    assert check_qty(rules, D("0.02")) == []
    assert check_qty(rules, D("0.0015")) == ["qty 0.0015 is not a multiple of the step 0.001 for BTCUSDT"]
    assert check_qty(rules, D("0.0005")) == [
        "qty 0.0005 is not a multiple of the step 0.001 for BTCUSDT",
        "qty 0.0005 is below the minimum 0.001 for BTCUSDT",
    ]
    assert check_qty(rules, D("2000")) == ["qty 2000 is above the maximum 1000 for BTCUSDT"]
    assert check_qty(rules, D("1000")) == []
    assert check_qty(rules, D("0.001")) == []


def test_limits_are_optional() -> None:
    rules = instrument(minOrderQty=None, maxOrderQty="", quantityMultiplier=None, quantityPrecision="4")
    assert check_qty(rules, D("0.0001")) == []
    assert check_qty(rules, D("123456")) == []
    assert check_qty(rules, D("0.00001")) == ["qty 0.00001 is not a multiple of the step 0.0001 for BTCUSDT"]


@pytest.mark.parametrize("status", ["offline", "limit_open", "restrictedAPI", None])
def test_status_must_be_online(status: str | None) -> None:
    (problem,) = check_status(instrument(status=status))
    assert problem.startswith("BTCUSDT is not open for trading")
    assert repr(status) in problem


def test_check_edit_collects_everything() -> None:
    rules = instrument(status="offline")
    problems = check_edit(rules, price=D("60000.05"), qty=D("2000"))
    assert problems == [
        "BTCUSDT is not open for trading (status 'offline')",
        "price 60000.05 is not a multiple of the tick 0.1 for BTCUSDT",
        "qty 2000 is above the maximum 1000 for BTCUSDT",
    ]


def test_min_order_amount_when_both_values_change() -> None:
    rules = instrument(minOrderAmount="100")
    assert check_edit(rules, price=D("1000.0"), qty=D("0.05")) == [
        "order value 50 (price x qty) is below the minimum 100 for BTCUSDT"
    ]
    assert check_edit(rules, price=D("1000.0"), qty=D("0.1")) == []
    # with only one side known the order's value cannot be computed here
    assert check_edit(rules, price=D("1000.0"), qty=None) == []


def test_valid_edit_has_no_problems() -> None:
    assert check_edit(instrument(), price=D("60010"), qty=D("0.02")) == []


def test_is_multiple_is_exact_for_large_and_tiny_numbers() -> None:
    assert is_multiple(D("123456789012345678"), D("0.00000001"))
    assert not is_multiple(D("123456789012345678.000000001"), D("0.00000001"))
    assert is_multiple(D("0.3"), D("0.1"))  # a float would say 0.3 % 0.1 != 0
