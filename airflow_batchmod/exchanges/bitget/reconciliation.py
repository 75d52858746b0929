"""Deciding from an order's live state whether an edit took effect.

The order read is the one the edit addressed, or the one a modify put in its place under a new
orderId (see :meth:`.BookReader.follow`): the question is whether it now carries the edit's
target values, or whether the edit itself took it off the book. Values are compared as
``Decimal``: ``"60000.0"`` and ``"60000"`` are the same price.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

from airflow_batchmod.exchanges.base import ItemResult, Outcome, PreparedEdit
from airflow_batchmod.exchanges.bitget.book import REPLACED_REASON, BookReader, BookReadError, OrderRef
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem, OrderInfo
from airflow_batchmod.exchanges.bitget.validation import echo
from airflow_batchmod.exchanges.decimals import format_decimal

log = logging.getLogger(__name__)

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


def cancel_reason(info: OrderInfo) -> str:
    return (info.cancelReason or "").strip().lower()


def cancelled_by_edit(payload: BatchModifyItem, info: OrderInfo) -> str | None:
    """Why the edit itself took the order off the book, or None when it did not (or we cannot say).

    ``post_only_fill_cancel`` on an order carrying the edit's values: the new price crossed.
    ``modify_limit_order`` with no replacement found, on an edit sent with ``autoCancel: yes``:
    the modify failed and Bitget cancelled the original, as that flag asks.
    """
    if info.orderStatus.strip().lower() not in CLOSED_STATUSES:
        return None
    reason = cancel_reason(info)
    if reason == "post_only_fill_cancel" and targets_in_place(payload, info):
        return f"the edited price crossed the book and Bitget cancelled the post-only order ({reason})"
    if reason == REPLACED_REASON and payload.autoCancel == "yes":
        return f"the modify failed and Bitget cancelled the order, as autoCancel asks ({reason})"
    return None


def judge(index: int, payload: BatchModifyItem, info: OrderInfo) -> ItemResult:
    """The reconciled outcome of one edit, given the order's state as Bitget reports it now."""
    order_id = info.orderId or payload.orderId
    status = info.orderStatus.strip().lower()
    by_edit = cancelled_by_edit(payload, info)
    if by_edit is not None:
        return ItemResult(index, Outcome.CANCELLED, order_id=order_id, message=by_edit)
    if status in CLOSED_STATUSES and cancel_reason(info) == REPLACED_REASON:
        message = "a modify cancelled the order and its replacement cannot be found (no clientOid)"
        return ItemResult(index, Outcome.UNKNOWN, order_id=order_id, message=message)
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


def ref_of(payload: BatchModifyItem) -> OrderRef:
    return OrderRef(payload.category or "", payload.symbol or "", payload.orderId, payload.clientOid)


def payload_of(edit: PreparedEdit) -> BatchModifyItem:
    payload = edit.payload
    if not isinstance(payload, BatchModifyItem):
        raise TypeError(f"edit #{edit.index} was not prepared by BitgetClient")
    return payload


def reconcile(book: BookReader, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
    """Settle in-doubt edits from the open-orders list first, ``order-info`` for the rest:
    APPLIED when the order shows the edit, RETRY when it is open without it, REJECTED when
    it is closed or unknown, UNKNOWN when it cannot be read."""
    if not edits:
        return []
    refs = [ref_of(payload_of(edit)) for edit in edits]
    try:
        view = book.read(refs)
    except BookReadError as exc:
        message = f"order query failed: {exc.message}"
        return [ItemResult(edit.index, Outcome.UNKNOWN, message=message) for edit in edits]
    from_list = sum(1 for ref in refs if ref.key in view.listed)
    log.info(
        "reconciling %d in-doubt edits: %d settled from the open-orders list, %d by order status",
        len(edits),
        from_list,
        len(edits) - from_list,
    )
    results: list[ItemResult] = []
    for edit, ref in zip(edits, refs, strict=True):
        failure = view.failures.get(ref.key)
        info = view.orders.get(ref.key)
        if failure is not None:
            results.append(ItemResult(edit.index, Outcome.UNKNOWN, message=failure.message))
        elif info is None:
            message = "order does not exist"
            results.append(ItemResult(edit.index, Outcome.REJECTED, code="25204", message=message))
        else:
            results.append(judge(edit.index, payload_of(edit), info))
    return results


def settle_auto_cancels(
    edits: Sequence[PreparedEdit],
    results: list[ItemResult],
    read: Callable[[Sequence[PreparedEdit]], list[ItemResult]],
) -> list[ItemResult]:
    """Refusals of ``autoCancel: yes`` edits, checked against the book: Bitget cancels the original
    when such a modify fails, so the order may be gone by our own edit. ``CANCELLED`` when the
    book says so, ``UNKNOWN`` when it cannot be read; otherwise the refusal stands."""
    refused = [
        edit
        for edit, result in zip(edits, results, strict=True)
        if result.outcome is Outcome.REJECTED and payload_of(edit).autoCancel == "yes"
    ]
    if not refused:
        return results
    found = {answer.index: answer for answer in read(refused)}
    settled: list[ItemResult] = []
    for result in results:
        answer = found.get(result.index)
        if answer is not None and answer.outcome in (Outcome.CANCELLED, Outcome.UNKNOWN):
            text = f"{result.message or result.code}; {answer.message}"
            settled.append(replace(answer, code=result.code, message=text))
        else:
            settled.append(result)
    return settled
