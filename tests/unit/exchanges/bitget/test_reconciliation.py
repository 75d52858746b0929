"""Judging an edit from its order's state: applied, open without it, closed, or taken off the book by it."""

from __future__ import annotations

from typing import Any

from airflow_batchmod.exchanges.base import Landing, Outcome, PreparedEdit, Quote
from airflow_batchmod.exchanges.bitget.confirmation import confirmation
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem, OrderInfo
from airflow_batchmod.exchanges.bitget.reconciliation import judge


def item(**fields: Any) -> BatchModifyItem:
    return BatchModifyItem(orderId="1", clientOid="c-1", price="60010", symbol="BTCUSDT", **fields)


def info(**fields: Any) -> OrderInfo:
    base = {"orderId": "1", "clientOid": "c-1", "price": "60000", "qty": "0.01", "orderStatus": "live"}
    return OrderInfo.model_validate({**base, **fields})


def test_an_edit_the_book_shows_on_a_replacement_is_applied_with_the_new_id() -> None:
    result = judge(0, item(), info(orderId="7000000000000000001", price="60010"))
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, "7000000000000000001")


def test_a_post_only_cross_after_the_edit_applied_is_cancelled() -> None:
    crossed = info(price="60010", orderStatus="cancelled", cancelReason="post_only_fill_cancel")
    result = judge(0, item(), crossed)
    assert result.outcome is Outcome.CANCELLED
    assert "post_only_fill_cancel" in (result.message or "")
    edit = PreparedEdit(0, "orderId:1", "x", "#0", item(), wanted=Quote("60010", "0.01"))
    answer = confirmation(edit, crossed)
    assert answer.landing is Landing.CANCELLED and "post_only_fill_cancel" in (answer.message or "")


def test_a_failed_modify_under_auto_cancel_is_cancelled_and_otherwise_unknown() -> None:
    gone = info(orderStatus="cancelled", cancelReason="modify_limit_order")
    assert judge(0, item(autoCancel="yes"), gone).outcome is Outcome.CANCELLED
    # Without autoCancel the cancel came from a modify that replaced the order, and the
    # replacement was not found: the edit may well have landed there.
    assert judge(0, item(), gone).outcome is Outcome.UNKNOWN


def test_an_order_cancelled_by_someone_else_is_rejected() -> None:
    result = judge(0, item(autoCancel="yes"), info(orderStatus="cancelled", cancelReason="normal_cancel"))
    assert result.outcome is Outcome.REJECTED
    assert judge(0, item(), info()).outcome is Outcome.RETRY
