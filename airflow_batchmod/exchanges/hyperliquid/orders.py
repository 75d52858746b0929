"""Reading ``/info`` order records (``frontendOpenOrders``, ``orderStatus``) into :class:`OrderView`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from airflow_batchmod.exchanges.base import ReconcileError
from airflow_batchmod.exchanges.hyperliquid.errors import quote


@dataclass(frozen=True)
class OrderView:
    """What the ``/info`` endpoints tell about one order. The values planning compares are None
    when the record does not carry them (then nothing is taken to be unchanged)."""

    oid: int
    cloid: str | None
    coin: str
    #: ``open``, ``filled``, ``canceled``, ... (None in open-order lists, where it is implied).
    status: str | None = None
    #: ``B`` (buy) or ``A`` (sell).
    side: str | None = None
    price: Decimal | None = None
    #: The size still resting (``sz``); ``orig_size`` is what the order was placed with.
    size: Decimal | None = None
    orig_size: Decimal | None = None
    reduce_only: bool | None = None
    #: ``Limit``, ``Stop Market``, ``Take Profit Limit``, ...
    order_type: str | None = None
    tif: str | None = None
    trigger_px: Decimal | None = None


def _decimal(value: object) -> Decimal | None:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _order_view(record: object, status: str | None, where: str) -> OrderView:
    if not isinstance(record, Mapping):
        raise ReconcileError(f"{where}: an order is not an object")
    oid = record.get("oid")
    if isinstance(oid, bool) or not isinstance(oid, int):
        raise ReconcileError(f"{where}: an order has no integer oid")
    cloid = record.get("cloid")
    side, reduce_only = record.get("side"), record.get("reduceOnly")
    order_type, tif = record.get("orderType"), record.get("tif")
    return OrderView(
        oid=oid,
        cloid=cloid.lower() if isinstance(cloid, str) else None,
        coin=str(record.get("coin", "")),
        status=status,
        side=side if side in ("A", "B") else None,
        price=_decimal(record.get("limitPx")),
        size=_decimal(record.get("sz")),
        orig_size=_decimal(record.get("origSz")),
        reduce_only=reduce_only if isinstance(reduce_only, bool) else None,
        order_type=order_type if isinstance(order_type, str) else None,
        tif=tif if isinstance(tif, str) else None,
        trigger_px=_decimal(record.get("triggerPx")) if record.get("isTrigger") is True else None,
    )


def read_open_orders(body: object) -> list[OrderView]:
    """``frontendOpenOrders`` / ``openOrders``: a list of open orders."""
    if not isinstance(body, list):
        raise ReconcileError("open orders: the answer is not a list")
    return [_order_view(record, "open", "open orders") for record in body]


def read_order_status(body: object) -> OrderView | None:
    """``orderStatus``: the order and its status, or None for ``unknownOid``."""
    if not isinstance(body, Mapping):
        raise ReconcileError("orderStatus: the answer is not an object")
    if body.get("status") == "unknownOid":
        return None
    wrapper = body.get("order")
    if body.get("status") != "order" or not isinstance(wrapper, Mapping):
        raise ReconcileError(f"orderStatus: unexpected answer {quote(json.dumps(body))}")
    status = wrapper.get("status")
    if not isinstance(status, str):
        raise ReconcileError("orderStatus: the order has no status")
    return _order_view(wrapper.get("order"), status, "orderStatus")
