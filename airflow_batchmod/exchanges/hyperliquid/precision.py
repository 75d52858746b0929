"""Hyperliquid tick and lot rules: check a price or size, or round it to fit.

Rules (GitBook "tick and lot size"): a size has at most ``szDecimals`` decimals; a price
has at most 5 significant figures unless it is an integer, and at most
``6 - szDecimals`` (perps) or ``8 - szDecimals`` (spot) decimals. Trigger prices follow
the price rule.

Rounding is opt-in, and its directions are chosen so that rounding never makes an
order riskier than the caller asked for:

* a limit price rounds *away from the market*: a buy rounds down (``ROUND_FLOOR``), a
  sell rounds up (``ROUND_CEILING``). A resting order then never turns into a taker
  and never pays more (or receives less) than its requested price.
* a size rounds down (``ROUND_DOWN``), so an order never grows beyond the requested
  size (which matters most for reduce-only orders).
* a trigger price has no side that is safe in general (earlier or later firing both
  matter), so it rounds to the nearest value (``ROUND_HALF_EVEN``).

A price first rounds to 5 significant figures and then to the decimal limit, in the
same direction, so the result is the same as one rounding to the coarser of the two.
Prices of 100000 and above are rounded to an integer, which the integer exemption
always accepts.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from airflow_batchmod.exchanges.decimals import decimal_places, format_decimal, significant_figures
from airflow_batchmod.exchanges.hyperliquid.metadata import AssetInfo

MAX_SIGNIFICANT_FIGURES = 5


def _is_integer(value: Decimal) -> bool:
    return value == value.to_integral_value()


#: The venue's minimum order value: 10 USDC on perps, 10 of the quote token on spot.
MIN_ORDER_VALUE = Decimal(10)


def value_problems(price: Decimal, size: Decimal, asset: AssetInfo, field: str = "size") -> list[str]:
    """The order value ``price x size`` under the venue's minimum (a modify refused for it has
    already cancelled the original, so it must never be sent)."""
    value = price * size
    if value >= MIN_ORDER_VALUE:
        return []
    return [
        f"{field}: {format_decimal(size)} at {format_decimal(price)} is worth {format_decimal(value)} "
        f"{asset.quote_token}, under the minimum order value of {MIN_ORDER_VALUE} {asset.quote_token}"
    ]


def price_problems(price: Decimal, asset: AssetInfo, field: str = "price") -> list[str]:
    """What is wrong with ``price`` for ``asset`` (empty when it is valid)."""
    if _is_integer(price):
        return []
    problems = []
    figures = significant_figures(price)
    if figures > MAX_SIGNIFICANT_FIGURES:
        problems.append(
            f"{field} {format_decimal(price)} has {figures} significant figures; "
            f"at most {MAX_SIGNIFICANT_FIGURES} are allowed unless the price is an integer"
        )
    places = decimal_places(price)
    if places > asset.max_price_decimals:
        kind = "spot 8" if asset.is_spot else "perp 6"
        problems.append(
            f"{field} {format_decimal(price)} has {places} decimals; {asset.name} allows at most "
            f"{asset.max_price_decimals} ({kind} - szDecimals {asset.sz_decimals})"
        )
    return problems


def size_problems(size: Decimal, asset: AssetInfo, field: str = "size") -> list[str]:
    """What is wrong with ``size`` for ``asset`` (empty when it is valid)."""
    places = decimal_places(size)
    if places > asset.sz_decimals:
        return [
            f"{field} {format_decimal(size)} has {places} decimals; "
            f"{asset.name} allows at most {asset.sz_decimals} (szDecimals)"
        ]
    return []


def _round_price(price: Decimal, asset: AssetInfo, rounding: str) -> Decimal:
    if price.adjusted() >= MAX_SIGNIFICANT_FIGURES:
        return price.quantize(Decimal(1), rounding=rounding)
    # The exponent of the fifth significant digit.
    figures = price.quantize(
        Decimal(1).scaleb(price.adjusted() - MAX_SIGNIFICANT_FIGURES + 1), rounding=rounding
    )
    if decimal_places(figures) > asset.max_price_decimals:
        figures = figures.quantize(Decimal(1).scaleb(-asset.max_price_decimals), rounding=rounding)
    return figures.normalize()


def round_limit_price(price: Decimal, asset: AssetInfo, *, is_buy: bool) -> Decimal:
    """``price`` rounded away from the market to the nearest valid price (may reach zero)."""
    return _round_price(price, asset, ROUND_FLOOR if is_buy else ROUND_CEILING)


def round_trigger_price(price: Decimal, asset: AssetInfo) -> Decimal:
    """``price`` rounded to the nearest valid trigger price."""
    return _round_price(price, asset, ROUND_HALF_EVEN)


def round_size(size: Decimal, asset: AssetInfo) -> Decimal:
    """``size`` rounded down to the lot (may reach zero)."""
    return size.quantize(Decimal(1).scaleb(-asset.sz_decimals), rounding=ROUND_DOWN).normalize()


def price_tick(price: Decimal, asset: AssetInfo) -> Decimal:
    """The smallest valid price move at ``price``: the fifth significant figure, but no finer
    than ``asset``'s decimal limit and no coarser than 1 (integers are always valid)."""
    by_figures = Decimal(1).scaleb(price.adjusted() - MAX_SIGNIFICANT_FIGURES + 1)
    by_decimals = Decimal(1).scaleb(-asset.max_price_decimals)
    return min(max(by_figures, by_decimals), Decimal(1))


def size_lot(asset: AssetInfo) -> Decimal:
    """The smallest valid size move for ``asset`` (``szDecimals``)."""
    return Decimal(1).scaleb(-asset.sz_decimals)
