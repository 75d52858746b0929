"""What the Hyperliquid book shows of an order, and whether an edit would change it.

A modify is cancel-and-replace, so an edit that changes nothing still costs a request, a new oid
and the order's place in the queue; it is only skipped when *everything* it would set (price,
size, side, reduce-only, order type with its tif or trigger, and any new cloid asked for) is
what the book already shows.
"""

from __future__ import annotations

from decimal import Decimal

from airflow_batchmod.exchanges.base import Quote
from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.exchanges.hyperliquid.orders import OrderView
from airflow_batchmod.exchanges.hyperliquid.wire import OrderTypeWire


def quote(price: Decimal, size: Decimal) -> Quote:
    return Quote(format_decimal(price), format_decimal(size))


def quote_of(order: OrderView) -> Quote | None:
    """The order's price and resting size as the book shows them."""
    if order.price is None or order.size is None:
        return None
    return quote(order.price, order.size)


def same_order_type(order: OrderView, wire: OrderTypeWire, *, always_place: bool) -> bool:
    """Whether ``order`` already has the order type (tif, or trigger) the edit would send.

    Without always-place the exchange rests a (non-executable) Gtc modify as Alo, so a Gtc edit
    matches an Alo order too.
    """
    limit = wire.get("limit")
    if isinstance(limit, dict):
        tifs = {limit["tif"], "Alo"} if limit["tif"] == "Gtc" and not always_place else {limit["tif"]}
        return order.trigger_px is None and order.order_type == "Limit" and order.tif in tifs
    trigger = wire.get("trigger")
    if not isinstance(trigger, dict):
        return False
    kind = "Take Profit" if trigger["tpsl"] == "tp" else "Stop"
    expected = f"{kind} {'Market' if trigger['isMarket'] else 'Limit'}"
    return (
        order.order_type == expected
        and order.trigger_px is not None
        and order.trigger_px == Decimal(trigger["triggerPx"])
    )


def is_unchanged(
    order: OrderView,
    *,
    is_buy: bool,
    price: Decimal,
    size: Decimal,
    reduce_only: bool,
    order_type: OrderTypeWire,
    new_cloid: str | None,
    always_place: bool,
) -> bool:
    """True when the open ``order`` already shows everything the edit would set."""
    return (
        order.price == price
        and order.size == size
        and order.side == ("B" if is_buy else "A")
        and order.reduce_only is reduce_only
        and same_order_type(order, order_type, always_place=always_place)
        and (new_cloid is None or new_cloid.lower() == order.cloid)
    )


def same_quote(one: Quote, other: Quote) -> bool:
    return Decimal(one.price) == Decimal(other.price) and Decimal(one.size) == Decimal(other.size)
