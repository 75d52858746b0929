"""Does the book show an accepted Bitget edit? The answer is on the order the edit addressed, or
on the one a modify put in its place under a new orderId (the book read follows the clientOid):
its price and size now equal the edit's wanted values, the edit took it off the book, or it is gone."""

from __future__ import annotations

from airflow_batchmod.exchanges.base import Confirmation, Landing, PreparedEdit, Quote
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem, OrderInfo
from airflow_batchmod.exchanges.bitget.planning import quote_of, same_quote, status_of
from airflow_batchmod.exchanges.bitget.reconciliation import OPEN_STATUSES, cancelled_by_edit
from airflow_batchmod.exchanges.bitget.validation import echo


def confirmation(edit: PreparedEdit, info: OrderInfo | None) -> Confirmation:
    """Whether the book shows ``edit``'s wanted values on its order."""
    if info is None:
        return Confirmation(edit.index, Landing.GONE, message="Bitget no longer knows this order")
    shown = quote_of(info)
    payload = edit.payload
    by_edit = cancelled_by_edit(payload, info) if isinstance(payload, BatchModifyItem) else None
    if by_edit is not None:
        return Confirmation(edit.index, Landing.CANCELLED, message=by_edit)
    landed = shown is not None and edit.wanted is not None and same_quote(shown, edit.wanted)
    status = status_of(info)
    if landed:
        note = None if status in OPEN_STATUSES else f"order is {echo(status)} since"
        return Confirmation(edit.index, Landing.LANDED, after=shown, message=note, order_id=info.orderId)
    if status in OPEN_STATUSES:
        return Confirmation(edit.index, Landing.PENDING, message=f"book still shows {_describe(shown)}")
    return Confirmation(
        edit.index,
        Landing.GONE,
        message=f"order is {echo(status)} at {_describe(shown)}; the edit did not take effect",
    )


def _describe(quote: Quote | None) -> str:
    return quote.describe() if quote is not None else "no price and size"
