"""Bitget batch-modify rules: reading the items, the batch checks, and each item's checks and effect.

An item's checks come in two parts. What the gateway can tell from the item and the order as it
stands (existence, status, reduce-only, tick and lot) is checked on arrival. What depends on the
order's state when the matching engine reaches the item (filled qty, "no change") is checked when
it is applied: at once, or later when ``bitget_apply_delay_ms`` queues it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from airflow_batchmod.exchanges.decimals import decimal_places, format_decimal, parse_positive_decimal
from airflow_batchmod.sandbox.bitget.errors import ItemFailure, invalid
from airflow_batchmod.sandbox.bitget.state import BitgetBook, BitgetOrder
from airflow_batchmod.sandbox.seed.models import BITGET_CATEGORIES
from airflow_batchmod.sandbox.wire import parse_json

MAX_BATCH = 20


@dataclass
class ModifyItem:
    order_id: str | None
    client_oid: str | None
    qty: Decimal | None
    price: Decimal | None
    auto_cancel: bool
    symbol: str | None
    category: str | None


def _text(item: dict[str, Any], key: str, index: int) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"item {index}: {key} must be a string")
    return value


def _number(item: dict[str, Any], key: str, index: int) -> Decimal | None:
    text = _text(item, key, index)
    if text is None or text == "":
        return None
    try:
        return parse_positive_decimal(text)
    except ValueError:
        raise invalid(f"item {index}: {key} must be a positive number") from None


def parse_items(body: bytes) -> list[ModifyItem]:
    try:
        raw = parse_json(body)
    except ValueError:
        raise invalid("the body must be a JSON array of orders") from None
    if not isinstance(raw, list):
        raise invalid("the body must be a JSON array of orders")
    if not raw:
        raise invalid("the order list is empty")
    if len(raw) > MAX_BATCH:
        raise invalid(f"at most {MAX_BATCH} orders per batch, got {len(raw)}")
    items = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise invalid(f"item {index} must be an object")
        auto_cancel = _text(item, "autoCancel", index) or "no"
        if auto_cancel not in ("yes", "no"):
            raise invalid(f"item {index}: autoCancel must be yes or no")
        category = _text(item, "category", index) or None
        if category is not None and category not in BITGET_CATEGORIES:
            raise invalid(f"item {index}: category {category} is not supported")
        parsed = ModifyItem(
            order_id=_text(item, "orderId", index) or None,
            client_oid=_text(item, "clientOid", index) or None,
            qty=_number(item, "qty", index),
            price=_number(item, "price", index),
            auto_cancel=auto_cancel == "yes",
            symbol=_text(item, "symbol", index) or None,
            category=category,
        )
        if parsed.order_id is None and parsed.client_oid is None:
            raise invalid(f"item {index}: orderId or clientOid is required")
        if parsed.qty is None and parsed.price is None:
            raise invalid(f"item {index}: qty or price is required")
        items.append(parsed)
    return items


def check_batch(items: list[ModifyItem], orders: list[BitgetOrder | None]) -> None:
    seen: set[tuple[str, str]] = set()
    categories: set[str] = set()
    for index, (item, order) in enumerate(zip(items, orders, strict=True)):
        identity = (
            ("orderId", order.order_id)
            if order is not None
            else ("orderId", item.order_id)
            if item.order_id
            else ("clientOid", item.client_oid or "")
        )
        if identity in seen:
            raise invalid(f"item {index}: order {identity[1]} appears more than once in the batch")
        seen.add(identity)
        category = item.category or (order.category if order is not None else None)
        if category is not None:
            categories.add(category)
    if len(categories) > 1:
        raise invalid(f"all orders in a batch must be in one category, got {sorted(categories)}")


def echo(item: ModifyItem, order: BitgetOrder | None) -> dict[str, Any]:
    return {
        "orderId": order.order_id if order else item.order_id,
        "clientOid": order.client_oid if order else item.client_oid,
    }


def check_on_arrival(item: ModifyItem, order: BitgetOrder | None, mark: Decimal | None = None) -> BitgetOrder:
    """The gateway's checks (the price band around ``mark`` too); returns the order the item names."""
    if (
        order is None
        or (item.symbol is not None and item.symbol != order.symbol)
        or (item.category is not None and item.category != order.category)
    ):
        raise ItemFailure("25204", "Order does not exist", order_level=False)
    _check_open(order)
    if order.reduce_only:
        raise ItemFailure("25574", "Reduce-only order protection")
    instrument = order.instrument
    if item.price is not None and (
        item.price % instrument.price_step != 0 or decimal_places(item.price) > instrument.price_places
    ):
        raise ItemFailure("25244", f"Price should be a multiple of {format_decimal(instrument.price_step)}")
    if item.price is not None and mark is not None:
        _check_band(order, item.price, mark)
    qty = item.qty
    if qty is not None:
        if qty % instrument.qty_step != 0 or decimal_places(qty) > instrument.qty_places:
            raise ItemFailure(
                "25610",
                f"Quantity precision error: qty should be a multiple of {format_decimal(instrument.qty_step)}",
            )
        if instrument.min_qty is not None and qty < instrument.min_qty:
            raise ItemFailure(
                "25207", f"The order quantity is below the minimum {format_decimal(instrument.min_qty)}"
            )
        if instrument.max_qty is not None and qty > instrument.max_qty:
            raise ItemFailure(
                "25208", f"The order quantity exceeds the maximum {format_decimal(instrument.max_qty)}"
            )
    return order


def _check_band(order: BitgetOrder, price: Decimal, mark: Decimal) -> None:
    """The price band, with the UTA error list's texts: 25206 above it (buys), 25205 below (sells)."""
    instrument = order.instrument
    if order.side == "buy" and instrument.buy_ratio is not None:
        ceiling = mark * (1 + instrument.buy_ratio)
        if price > ceiling:
            percent = format_decimal(instrument.buy_ratio * 100)
            raise ItemFailure("25206", f"{order.symbol} trading price cannot exceed {percent}%")
    if order.side == "sell" and instrument.sell_ratio is not None:
        floor = mark * (1 - instrument.sell_ratio)
        if price < floor:
            percent = format_decimal(instrument.sell_ratio * 100)
            raise ItemFailure("25205", f"{order.symbol} trading price cannot be below {percent}%")


def crosses(order: BitgetOrder, mark: Decimal) -> bool:
    """Whether the order's price meets the sandbox's best ask (buy) or bid (sell): mark ± one tick."""
    step = order.instrument.price_step
    return order.price >= mark + step if order.side == "buy" else order.price <= mark - step


def _check_open(order: BitgetOrder) -> None:
    if not order.is_open:
        raise ItemFailure(
            "25568",
            f"The order does not meet the modification requirements. (the order is {order.status})",
            order_level=False,
        )


def check_change(item: ModifyItem, order: BitgetOrder) -> tuple[Decimal, Decimal]:
    """The matching engine's checks against the order as it is now; the new price and qty."""
    _check_open(order)
    price = item.price if item.price is not None else order.price
    qty = item.qty if item.qty is not None else order.qty
    if qty < order.filled_qty:
        raise ItemFailure(
            "25568",
            "The order does not meet the modification requirements. "
            f"(qty {format_decimal(qty)} is below the filled qty {format_decimal(order.filled_qty)})",
        )
    if price == order.price and qty == order.qty:
        raise ItemFailure("25571", "The modification price and qty is the same as the original value")
    return price, qty


def first_failure(
    items: list[ModifyItem], orders: list[BitgetOrder | None], marks: list[Decimal | None]
) -> ItemFailure | None:
    """The first item the venue would refuse, checked without changing anything
    (``bitget_batch_errors: envelope`` refuses the whole request with it)."""
    for item, order, mark in zip(items, orders, marks, strict=True):
        try:
            check_change(item, check_on_arrival(item, order, mark))
        except ItemFailure as failure:
            return failure
    return None


def apply_change(
    item: ModifyItem,
    order: BitgetOrder,
    now_ms: int,
    *,
    mark: Decimal | None = None,
    renew_in: BitgetBook | None = None,
) -> BitgetOrder:
    """The matching engine's step: check against the order as it is now, then change it; returns
    the order that carries the change (``renew_in``: a new one in that book, the old one cancelled).

    A post-only order whose new price meets the other side (best bid/ask around ``mark``) is
    cancelled (``post_only_fill_cancel``), as a post-only order is never allowed to take.
    """
    price, qty = check_change(item, order)
    target = renew_in.replace(order, now_ms) if renew_in is not None else order
    target.price = price
    target.qty = qty
    target.modifications += 1
    target.updated_ms = now_ms
    if qty == target.filled_qty:
        target.status = "filled"
    elif target.time_in_force == "post_only" and mark is not None and crosses(target, mark):
        target.cancel("post_only_fill_cancel", now_ms)
    return target


def fail(item: ModifyItem, order: BitgetOrder | None, failure: ItemFailure, now_ms: int) -> dict[str, Any]:
    """Record a failed item (``autoCancel`` included) and answer it with its code."""
    if order is not None:
        order.last_error = f"{failure.code} {failure.msg}"
        if failure.order_level and item.auto_cancel and order.is_open:
            order.cancel("modify_limit_order", now_ms)
    return {**echo(item, order), "code": failure.code, "msg": failure.msg}
