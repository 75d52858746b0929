"""Hyperliquid order checks (tick, lot, minimum value, crossing) with the exchange's error texts."""

from __future__ import annotations

from decimal import Decimal

from airflow_batchmod.exchanges.decimals import decimal_places, format_decimal, significant_figures
from airflow_batchmod.sandbox.hyperliquid.state import HyperliquidAsset

MAX_SIGNIFICANT_FIGURES = 5
MIN_ORDER_VALUE = Decimal(10)
CANNOT_MODIFY = "Cannot modify canceled or filled order"
NEEDS_ALWAYS_PLACE = "Modify requires always place for this order type."
#: Seen in third-party captures: the cancel leg of a modify succeeded, the new order was refused.
FAILED_PLACEMENT_PREFIX = "Error placing new order during modify: "


def price_is_valid(price: Decimal, asset: HyperliquidAsset) -> bool:
    """At most 5 significant figures (integers are always fine) and at most 6|8 - szDecimals decimals."""
    if price <= 0:
        return False
    if price != price.to_integral_value() and significant_figures(price) > MAX_SIGNIFICANT_FIGURES:
        return False
    return decimal_places(price) <= asset.max_price_decimals


def size_is_valid(size: Decimal, asset: HyperliquidAsset) -> bool:
    return size > 0 and decimal_places(size) <= asset.sz_decimals


def order_error(
    price: Decimal, size: Decimal, trigger_px: Decimal | None, asset: HyperliquidAsset
) -> str | None:
    """The first problem the exchange reports for a new order's tick or lot, or ``None``."""
    if not price_is_valid(price, asset) or (trigger_px is not None and not price_is_valid(trigger_px, asset)):
        return f"Price must be divisible by tick size. asset={asset.asset}"
    if not size_is_valid(size, asset):
        return "Order has invalid size."
    return None


def min_value_error(price: Decimal, size: Decimal, asset: HyperliquidAsset) -> str | None:
    """The minimum order value: 10 USDC (perps and USDC-quoted spot pairs)."""
    if price * size < MIN_ORDER_VALUE:
        return f"Order must have minimum value of $10. asset={asset.asset}"
    return None


def crosses(is_buy: bool, price: Decimal, mark: Decimal) -> bool:
    """Whether a limit order at ``price`` would trade at once against the mark price."""
    return price >= mark if is_buy else price <= mark


def post_only_error(mark: Decimal, asset: HyperliquidAsset) -> str:
    return (
        f"Post only order would have immediately matched, bbo was {format_decimal(mark)}. asset={asset.asset}"
    )


def ioc_error(asset: HyperliquidAsset) -> str:
    return f"Order could not immediately match against any resting orders. asset={asset.asset}"
