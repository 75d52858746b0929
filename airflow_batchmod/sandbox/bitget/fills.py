"""Trading a Bitget order in the sandbox: the admin's ``/sandbox/fill`` and the ``fill_before_apply`` fault."""

from __future__ import annotations

from decimal import Decimal

from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.sandbox.bitget.state import BitgetOrder


def fill_order(order: BitgetOrder, size: Decimal | None, now_ms: int) -> None:
    """Trade ``size`` of the order's open quantity (all of it when ``None``)."""
    open_qty = order.qty - order.filled_qty
    size = open_qty if size is None else size
    if not order.is_open:
        raise ValueError(f"order {order.order_id} is {order.status}")
    if size > open_qty:
        raise ValueError(f"size {format_decimal(size)} exceeds the open qty {format_decimal(open_qty)}")
    if size % order.instrument.qty_step != 0:
        raise ValueError(f"size must be a multiple of {format_decimal(order.instrument.qty_step)}")
    order.filled_qty += size
    order.status = "filled" if order.filled_qty == order.qty else "partially_filled"
    order.updated_ms = now_ms
