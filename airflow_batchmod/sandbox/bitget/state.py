"""A Bitget UTA account's orders and instruments, as the sandbox keeps them (under ``World.lock``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

BITGET_MODIFIABLE = frozenset({"live", "partially_filled"})
#: Orders a modify puts in place of others (``bitget_modify_new_order_id``) get ids from here up.
REPLACEMENT_IDS_FROM = 7_000_000_000_000_000_000


def fixed(number: Decimal, places: int) -> str:
    """``number`` with exactly ``places`` decimals, as Bitget prints prices and sizes."""
    return f"{number.quantize(Decimal(1).scaleb(-places)):f}" if places > 0 else f"{number:f}"


@dataclass
class BitgetAccount:
    uid: str
    api_key: str
    secret: str = field(repr=False)
    passphrase: str = field(repr=False)
    demo_trading: bool = False


@dataclass
class BitgetInstrument:
    symbol: str
    category: str
    raw: dict[str, str]
    price_places: int
    qty_places: int
    price_step: Decimal
    qty_step: Decimal
    min_qty: Decimal | None
    max_qty: Decimal | None
    #: The price band around the mark: a buy at most ``mark·(1 + buy_ratio)``, a sell at least
    #: ``mark·(1 - sell_ratio)`` (``buyLimitPriceRatio`` / ``sellLimitPriceRatio``); None: no band.
    buy_ratio: Decimal | None = None
    sell_ratio: Decimal | None = None


@dataclass
class BitgetOrder:
    uid: str
    order_id: str
    client_oid: str
    symbol: str
    category: str
    side: str
    price: Decimal
    qty: Decimal
    filled_qty: Decimal
    status: str
    reduce_only: bool
    instrument: BitgetInstrument
    created_ms: int
    updated_ms: int
    modifications: int = 0
    #: Position in creation order; the open-orders list pages by it, newest first.
    seq: int = 0
    #: Accepted modifications still queued (``bitget_apply_delay_ms``), and the last one's failure.
    pending: int = 0
    last_error: str | None = None
    #: ``gtc``, ``post_only``, ``ioc`` or ``fok``; a ``post_only`` order that would cross is cancelled.
    time_in_force: str = "gtc"
    #: Why the order was cancelled (Bitget's ``cancelReason`` enum), "" while it is not.
    cancel_reason: str = ""
    #: ``bitget_modify_new_order_id``: the order a modify put in this one's place, and back.
    replaced_by: str | None = None
    replaces: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in BITGET_MODIFIABLE

    def view(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "orderId": self.order_id,
            "clientOid": self.client_oid,
            "symbol": self.symbol,
            "category": self.category,
            "side": self.side,
            "price": fixed(self.price, self.instrument.price_places),
            "qty": fixed(self.qty, self.instrument.qty_places),
            "filledQty": fixed(self.filled_qty, self.instrument.qty_places),
            "status": self.status,
            "reduceOnly": self.reduce_only,
            "modifications": self.modifications,
            "pendingModifications": self.pending,
            "lastModifyError": self.last_error,
            "timeInForce": self.time_in_force,
            "cancelReason": self.cancel_reason,
            "replacedBy": self.replaced_by,
            "replaces": self.replaces,
        }

    def cancel(self, reason: str, now_ms: int) -> None:
        self.status = "cancelled"
        self.cancel_reason = reason
        self.updated_ms = now_ms


@dataclass
class BitgetBook:
    accounts: dict[str, BitgetAccount] = field(default_factory=dict)  # by api key
    instruments: dict[tuple[str, str], BitgetInstrument] = field(default_factory=dict)  # (category, symbol)
    orders: list[BitgetOrder] = field(default_factory=list)
    by_id: dict[tuple[str, str], BitgetOrder] = field(default_factory=dict)  # (uid, orderId)
    by_client_oid: dict[tuple[str, str], BitgetOrder] = field(default_factory=dict)  # (uid, clientOid)
    mark_prices: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (category, symbol)

    def add(self, order: BitgetOrder) -> None:
        order.seq = len(self.orders)
        self.orders.append(order)
        self.by_id[(order.uid, order.order_id)] = order
        if order.client_oid:
            self.by_client_oid[(order.uid, order.client_oid)] = order

    def replace(self, order: BitgetOrder, now_ms: int) -> BitgetOrder:
        """Cancel ``order`` as a modify does on a venue that changes ids (``modify_limit_order``)
        and rest a copy under a new orderId with the same clientOid; returns the copy."""
        new_id = str(REPLACEMENT_IDS_FROM + len(self.orders))
        successor = replace(
            order, order_id=new_id, created_ms=now_ms, updated_ms=now_ms, replaces=order.order_id, pending=0
        )
        order.cancel("modify_limit_order", now_ms)
        order.replaced_by = new_id
        self.add(successor)
        return successor

    def find(self, uid: str, order_id: str | None, client_oid: str | None) -> BitgetOrder | None:
        """Bitget's lookup: ``orderId`` wins when both are given."""
        if order_id:
            return self.by_id.get((uid, order_id))
        if client_oid:
            return self.by_client_oid.get((uid, client_oid))
        return None
