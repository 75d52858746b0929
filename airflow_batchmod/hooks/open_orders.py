"""Open orders as upstream tasks see them: one neutral dict per order, whatever the venue.

``order_key`` is the address an edit of that order uses: ``orderId:<id>`` on Bitget;
``cloid:<0x…>`` on Hyperliquid when the order has a cloid, else ``oid:<n>``. A Hyperliquid
modify is cancel-and-replace, so the oid changes with every run while the cloid carries over:
a scheduled DAG should address its orders by cloid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from airflow_batchmod.exchanges.bitget.models import OrderInfo
from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.exchanges.hyperliquid.orders import OrderView


class OpenOrder(TypedDict):
    """One resting order. Prices and sizes are canonical decimal text."""

    #: How an edit addresses this order (``orderId:…``, ``cloid:…`` or ``oid:…``).
    order_key: str
    #: The venue's order id (Bitget ``orderId``, Hyperliquid ``oid``), as text.
    order_id: str
    #: The client's own id (Bitget ``clientOid``, Hyperliquid ``cloid``), if any.
    client_id: str | None
    #: Bitget symbol (``BTCUSDT``) or Hyperliquid coin (``BTC``, ``PURR/USDC``, ``@107``).
    symbol: str
    #: Bitget business line (``USDT-FUTURES``, ...); None on Hyperliquid.
    category: str | None
    #: ``buy`` or ``sell``.
    side: str
    price: str
    #: The size an edit's size is compared with: Bitget's order ``qty``, Hyperliquid's resting ``sz``.
    size: str
    filled_size: str


def _text(number: Decimal | None) -> str:
    return format_decimal(number) if number is not None else "0"


def from_bitget(order: OrderInfo) -> OpenOrder:
    return OpenOrder(
        order_key=f"orderId:{order.orderId}",
        order_id=order.orderId or "",
        client_id=order.clientOid,
        symbol=order.symbol or "",
        category=order.category,
        side=(order.side or "").lower(),
        price=_text(order.price),
        size=_text(order.qty),
        filled_size=_text(order.cumExecQty),
    )


def from_hyperliquid(order: OrderView) -> OpenOrder:
    filled = order.orig_size - order.size if order.orig_size is not None and order.size is not None else None
    return OpenOrder(
        order_key=f"cloid:{order.cloid}" if order.cloid else f"oid:{order.oid}",
        order_id=str(order.oid),
        client_id=order.cloid,
        symbol=order.coin,
        category=None,
        side="buy" if order.side == "B" else "sell",
        price=_text(order.price),
        size=_text(order.size),
        filled_size=_text(filled),
    )
