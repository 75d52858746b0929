"""Planning Bitget edits: against the instrument rules, then against the book before sending.

Bitget modifies in place, so the order keeps its id and the book shows the edit on the same
order. Values are compared as ``Decimal`` and shown as canonical text (``format_decimal``), so
``"60000.0"`` and ``"60000"`` are the same price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from airflow_batchmod.exchanges.base import (
    EditProblem,
    PlannedSkip,
    PlanStatus,
    PreparedEdit,
    Quote,
)
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem, BitgetEdit, Instrument, OrderInfo
from airflow_batchmod.exchanges.bitget.precision import check_edit, price_step, qty_step
from airflow_batchmod.exchanges.bitget.reconciliation import OPEN_STATUSES
from airflow_batchmod.exchanges.bitget.validation import (
    echo,
    edit_label,
    label_with_side,
    raw_label,
    to_wire,
)
from airflow_batchmod.exchanges.decimals import format_decimal


def check_edits(
    parsed: Sequence[tuple[int, object, BitgetEdit | list[str]]],
    instruments: Mapping[str, Mapping[str, Instrument]],
) -> tuple[list[PreparedEdit], list[EditProblem]]:
    """The edits that pass their instrument's rules (not yet planned), and the problems of the rest."""
    checked: list[PreparedEdit] = []
    problems: list[EditProblem] = []
    for index, raw, edit in parsed:
        if not isinstance(edit, BitgetEdit):
            problems.append(EditProblem(index, raw_label(raw), tuple(edit)))
            continue
        label = edit_label(edit)
        instrument = instruments[edit.category].get(edit.symbol)
        if instrument is None:
            issues = [f"symbol {edit.symbol} is not a {edit.category} instrument on Bitget"]
        else:
            issues = check_edit(instrument, price=edit.price, qty=edit.qty)
        if issues:
            problems.append(EditProblem(index, label, tuple(issues)))
        else:
            steps = instrument_steps(instrument) if instrument is not None else None
            checked.append(
                PreparedEdit(index, edit.order_key, edit.category, label, to_wire(edit), steps=steps)
            )
    return checked, problems


def quote_of(info: OrderInfo) -> Quote | None:
    """The order's price and size as the book shows them (None when it shows neither)."""
    if info.price is None or info.qty is None:
        return None
    return Quote(format_decimal(info.price), format_decimal(info.qty))


def wanted_of(payload: BatchModifyItem, info: OrderInfo) -> Quote | None:
    """What the book will show once the edit applies: a value the edit leaves alone stays."""
    price = Decimal(payload.price) if payload.price is not None else info.price
    qty = Decimal(payload.qty) if payload.qty is not None else info.qty
    if price is None or qty is None:
        return None
    return Quote(format_decimal(price), format_decimal(qty))


def status_of(info: OrderInfo) -> str:
    return info.orderStatus.strip().lower()


def _is_reduce_only(info: OrderInfo) -> bool:
    value = info.reduceOnly
    return value is True or (isinstance(value, str) and value.strip().lower() in ("yes", "true"))


def plan_edits(
    checked: Sequence[PreparedEdit], infos: Mapping[int, OrderInfo | None]
) -> tuple[list[PreparedEdit], list[PlannedSkip], list[EditProblem]]:
    """Plan every checked edit against its order (``infos`` by edit index).

    Edits that name one order two ways (by orderId and by clientOid) share the first one's order
    key: they then go out one at a time and in input order, like an order named twice the same way.
    Each label gains the order's side, which the edit itself does not name.
    """
    first_key: dict[str, str] = {}
    edits: list[PreparedEdit] = []
    skipped: list[PlannedSkip] = []
    problems: list[EditProblem] = []
    for edit in checked:
        info = infos[edit.index]
        if info is not None and info.orderId:
            key = first_key.setdefault(info.orderId, edit.order_key)
            edit = replace(edit, order_key=key, label=label_with_side(edit.label, info.side))
        planned = plan_edit(edit, info)
        if isinstance(planned, PreparedEdit):
            edits.append(planned)
        elif isinstance(planned, PlannedSkip):
            skipped.append(planned)
        else:
            problems.append(planned)
    return edits, skipped, problems


def plan_edit(edit: PreparedEdit, info: OrderInfo | None) -> PreparedEdit | PlannedSkip | EditProblem:
    """``edit`` with ``before`` and ``wanted`` from the book, or why it is not sent."""
    payload = edit.payload
    assert isinstance(payload, BatchModifyItem)
    if info is None:
        return PlannedSkip(
            edit.index,
            edit.order_key,
            edit.label,
            PlanStatus.NOT_OPEN,
            None,
            "Bitget does not know this order",
        )
    before = quote_of(info)
    status = status_of(info)
    if status not in OPEN_STATUSES:
        message = f"order is {echo(status)}"
        return PlannedSkip(
            edit.index, edit.order_key, edit.label, PlanStatus.NOT_OPEN, before, message, info.orderId
        )
    problems: list[str] = []
    if info.symbol and payload.symbol and info.symbol.upper() != payload.symbol:
        problems.append(f"the order is on {echo(info.symbol)}, not {payload.symbol}")
    if info.category and payload.category and info.category.upper() != payload.category:
        problems.append(f"the order is in {echo(info.category)}, not {payload.category}")
    if _is_reduce_only(info):
        problems.append("reduce-only orders cannot be modified on Bitget")
    filled = info.cumExecQty
    if payload.qty is not None and filled is not None and Decimal(payload.qty) < filled:
        problems.append(f"qty {payload.qty} is below the {format_decimal(filled)} already filled")
    if problems:
        return EditProblem(edit.index, edit.label, tuple(problems))
    wanted = wanted_of(payload, info)
    if wanted is not None and before is not None and same_quote(wanted, before):
        return PlannedSkip(
            edit.index, edit.order_key, edit.label, PlanStatus.UNCHANGED, before, order_id=info.orderId
        )
    return PreparedEdit(
        edit.index,
        edit.order_key,
        edit.batch_group,
        edit.label,
        addressed(payload, info),
        before=before,
        wanted=wanted,
        steps=edit.steps,
    )


def addressed(payload: BatchModifyItem, info: OrderInfo) -> BatchModifyItem:
    """``payload`` naming the order the book shows: its current orderId (a modify may have given
    it a new one) and, beside it, its clientOid, which survives such a modify. Bitget goes by
    orderId when both are sent; the answer's items and later reads can match either."""
    changes: dict[str, str] = {}
    if payload.orderId is not None and info.orderId and info.orderId != payload.orderId:
        changes["orderId"] = info.orderId
    if payload.clientOid is None and info.clientOid:
        changes["clientOid"] = info.clientOid
    return payload.model_copy(update=changes) if changes else payload


def instrument_steps(instrument: Instrument) -> Quote | None:
    """The instrument's tick and lot, for ``min_change`` (None when Bitget gives neither)."""
    price, qty = price_step(instrument), qty_step(instrument)
    if price is None or qty is None:
        return None
    return Quote(format_decimal(price), format_decimal(qty))


def same_quote(one: Quote, other: Quote) -> bool:
    return Decimal(one.price) == Decimal(other.price) and Decimal(one.size) == Decimal(other.size)
