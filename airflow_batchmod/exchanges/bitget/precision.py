"""Bitget instrument rules for new prices and quantities, checked before anything is sent.

Bitget's UTA instruments give both a number of decimals (``pricePrecision``) and, for
futures, a step (``priceMultiplier``): a price must be a multiple of the step *and* have
no more decimals than allowed (the docs' example is 2 decimals with step 0.02). When a
multiplier is missing or zero, the step is one unit of the last allowed decimal. The same
holds for quantities. Everything here is pure and works on ``Decimal`` only.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

from airflow_batchmod.exchanges.bitget.models import Instrument
from airflow_batchmod.exchanges.decimals import decimal_places, format_decimal

#: The only status in which Bitget accepts order changes from the API.
TRADABLE_STATUS = "online"


def _step(multiplier: Decimal | None, precision: int | None) -> Decimal | None:
    if multiplier is not None and multiplier > 0:
        return multiplier
    if precision is not None and precision >= 0:
        return Decimal(1).scaleb(-precision)
    return None


def price_step(instrument: Instrument) -> Decimal | None:
    """The tick every price must be a multiple of, or ``None`` if the instrument gives none."""
    return _step(instrument.priceMultiplier, instrument.pricePrecision)


def qty_step(instrument: Instrument) -> Decimal | None:
    """The lot step every quantity must be a multiple of, or ``None`` if the instrument gives none."""
    return _step(instrument.quantityMultiplier, instrument.quantityPrecision)


def is_multiple(value: Decimal, step: Decimal) -> bool:
    # Enough digits that the remainder is exact for any accepted value (<= 1e18) and step.
    with localcontext() as context:
        context.prec = 80
        return value % step == 0


def _check_grid(
    name: str, value: Decimal, step: Decimal | None, places: int | None, step_name: str, symbol: str
) -> list[str]:
    shown = format_decimal(value)
    if step is not None and not is_multiple(value, step):
        return [f"{name} {shown} is not a multiple of the {step_name} {format_decimal(step)} for {symbol}"]
    if places is not None and places >= 0 and decimal_places(value) > places:
        return [f"{name} {shown} has more than {places} decimal places for {symbol}"]
    return []


def check_status(instrument: Instrument) -> list[str]:
    if instrument.status != TRADABLE_STATUS:
        return [f"{instrument.symbol} is not open for trading (status {instrument.status!r})"]
    return []


def check_price(instrument: Instrument, price: Decimal) -> list[str]:
    return _check_grid(
        "price", price, price_step(instrument), instrument.pricePrecision, "tick", instrument.symbol
    )


def check_qty(instrument: Instrument, qty: Decimal) -> list[str]:
    problems = _check_grid(
        "qty", qty, qty_step(instrument), instrument.quantityPrecision, "step", instrument.symbol
    )
    shown, symbol = format_decimal(qty), instrument.symbol
    low, high = instrument.minOrderQty, instrument.maxOrderQty
    if low is not None and qty < low:
        problems.append(f"qty {shown} is below the minimum {format_decimal(low)} for {symbol}")
    if high is not None and high > 0 and qty > high:
        problems.append(f"qty {shown} is above the maximum {format_decimal(high)} for {symbol}")
    return problems


def check_amount(instrument: Instrument, price: Decimal, qty: Decimal) -> list[str]:
    """The order value floor (``minOrderAmount``); the planner checks an edit that sets only one
    value with the book's other one (:mod:`.limits`)."""
    minimum = instrument.minOrderAmount
    if minimum is None or minimum <= 0:
        return []
    amount = price * qty
    if amount < minimum:
        return [
            f"order value {format_decimal(amount)} (price x qty) is below the minimum "
            f"{format_decimal(minimum)} for {instrument.symbol}"
        ]
    return []


def check_edit(instrument: Instrument, *, price: Decimal | None, qty: Decimal | None) -> list[str]:
    """Every reason Bitget would refuse these new values on this instrument; empty if none."""
    problems = check_status(instrument)
    if price is not None:
        problems += check_price(instrument, price)
    if qty is not None:
        problems += check_qty(instrument, qty)
    if price is not None and qty is not None:
        problems += check_amount(instrument, price, qty)
    return problems
