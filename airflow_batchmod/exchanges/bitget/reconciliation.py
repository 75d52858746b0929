"""Deciding from an order's live state whether an edit took effect.

Bitget modifies in place (the order keeps its id), so the question is only whether the
order now carries the edit's target values. Values are compared as ``Decimal``:
``"60000.0"`` and ``"60000"`` are the same price.
"""

from __future__ import annotations

from decimal import Decimal

from airflow_batchmod.exchanges.base import ItemResult, Outcome
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem, OrderInfo
from airflow_batchmod.exchanges.bitget.validation import echo
from airflow_batchmod.exchanges.decimals import format_decimal

#: Statuses in which Bitget still accepts a modification.
OPEN_STATUSES = frozenset({"live", "partially_filled", "new"})
#: Statuses after which the order can never be modified again.
CLOSED_STATUSES = frozenset({"filled", "cancelled", "canceled"})


def _target(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def targets_in_place(payload: BatchModifyItem, info: OrderInfo) -> bool:
    price, qty = _target(payload.price), _target(payload.qty)
    if price is not None and info.price != price:
        return False
    return qty is None or info.qty == qty


def _shown(value: Decimal | None) -> str:
    return format_decimal(value) if value is not None else "?"


def judge(index: int, payload: BatchModifyItem, info: OrderInfo) -> ItemResult:
    """The reconciled outcome of one edit, given the order's state as Bitget reports it now."""
    order_id = info.orderId or payload.orderId
    status = info.orderStatus.strip().lower()
    if targets_in_place(payload, info):
        return ItemResult(index, Outcome.APPLIED, order_id=order_id)
    if status in CLOSED_STATUSES:
        return ItemResult(
            index,
            Outcome.REJECTED,
            order_id=order_id,
            message=f"order is {status} with price {_shown(info.price)} qty {_shown(info.qty)}; "
            "the edit was not applied",
        )
    if status in OPEN_STATUSES:
        return ItemResult(
            index,
            Outcome.RETRY,
            order_id=order_id,
            message=f"order is {status} with price {_shown(info.price)} qty {_shown(info.qty)}; "
            "the edit was not applied",
        )
    return ItemResult(
        index, Outcome.UNKNOWN, order_id=order_id, message=f"order status {echo(status)!r} is not understood"
    )
