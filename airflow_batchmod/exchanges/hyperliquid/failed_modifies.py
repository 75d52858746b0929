"""What a refused Hyperliquid modify left on the book.

A modify is cancel, then place. When the new order cannot be placed (a post-only price that
crosses, an Ioc with nothing to match, under the minimum value, no margin) the venue has, as
captures show, already cancelled the original: the error text alone cannot say whether the order
still rests. So after any refusal the book is read for the original, by oid and by cloid:

- still open: ``REJECTED`` (refused, the order rests unchanged);
- filled, or cancelled by the venue (``marginCanceled``...): ``REJECTED``, saying so;
- cancelled by a request, or unknown: ``CANCELLED`` (our edit took it off and placed nothing);
- the book cannot be read: ``UNKNOWN`` (reconciliation asks again; never reported as resting).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from airflow_batchmod.exchanges.base import ItemResult, Outcome, PreparedEdit, ReconcileError
from airflow_batchmod.exchanges.hyperliquid.info import InfoReader
from airflow_batchmod.exchanges.hyperliquid.models import describe_target
from airflow_batchmod.exchanges.hyperliquid.orders import OrderView
from airflow_batchmod.exchanges.hyperliquid.planning import payload_of
from airflow_batchmod.exchanges.hyperliquid.reconciliation import CANCELLED_BY_REQUEST

log = logging.getLogger(__name__)

#: The venue's answer when the original was not open when the modify came: nothing was cancelled.
NOT_CANCELLABLE = "Cannot modify canceled or filled order"


def needs_book_check(result: ItemResult) -> bool:
    """Whether a refusal may have cancelled the original (everything but "was not open")."""
    return result.outcome is Outcome.REJECTED and NOT_CANCELLABLE not in (result.message or "")


def settle_refusals(
    info: InfoReader, user: str, edits: Sequence[PreparedEdit], results: Sequence[ItemResult]
) -> list[ItemResult]:
    """``results`` with every refusal that may have cancelled its original judged from the book."""
    by_index = {edit.index: edit for edit in edits}
    doubtful = [result for result in results if needs_book_check(result)]
    if not doubtful:
        return list(results)
    try:
        listed = info.open_orders(user)
    except ReconcileError as exc:
        return [_unreadable(result, exc) if needs_book_check(result) else result for result in results]
    by_oid = {order.oid: order for order in listed}
    by_cloid = {order.cloid: order for order in listed if order.cloid is not None}
    judged = {
        result.index: judge_refusal(info, user, by_index[result.index], result, by_oid, by_cloid)
        for result in doubtful
    }
    return [judged.get(result.index, result) for result in results]


def judge_refusal(
    info: InfoReader,
    user: str,
    edit: PreparedEdit,
    result: ItemResult,
    open_by_oid: dict[int, OrderView],
    open_by_cloid: dict[str, OrderView],
) -> ItemResult:
    """One refused edit, judged by where its original order is now."""
    payload = payload_of(edit)
    original = payload.known_oid if payload.known_oid is not None else payload.target
    shown = open_by_oid.get(original) if isinstance(original, int) else open_by_cloid.get(original)
    if shown is not None:
        return result
    try:
        now = info.order_status(user, original)
    except ReconcileError as exc:
        return _unreadable(result, exc)
    target = describe_target(original)
    venue = result.message or "refused"
    if now is not None and now.status == "open":
        return result
    if now is not None and now.status != CANCELLED_BY_REQUEST:
        # Filled, or cancelled by the venue itself (margin, reduce-only): not by our edit.
        message = f"order {target} is {now.status}, not by this edit; venue: {venue}"
        return ItemResult(result.index, Outcome.REJECTED, code=result.code, message=message)
    state = "unknown to the exchange" if now is None else str(now.status)
    log.warning("edit #%d took order %s off the book and placed nothing: %s", edit.index, target, venue)
    message = f"order {target} is {state}: the modify cancelled it and placed nothing; venue: {venue}"
    return ItemResult(result.index, Outcome.CANCELLED, code=result.code, message=message)


def _unreadable(result: ItemResult, exc: ReconcileError) -> ItemResult:
    message = f"{result.message}; the book could not be read to see whether the order rests: {exc.message}"
    return ItemResult(result.index, Outcome.UNKNOWN, code=result.code, message=message)
