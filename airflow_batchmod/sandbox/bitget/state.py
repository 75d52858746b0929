"""A Bitget UTA account's orders and instruments, as the sandbox keeps them (under ``World.lock``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

BITGET_MODIFIABLE = frozenset({"live", "partially_filled"})


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
        }


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

    def find(self, uid: str, order_id: str | None, client_oid: str | None) -> BitgetOrder | None:
        """Bitget's lookup: ``orderId`` wins when both are given."""
        if order_id:
            return self.by_id.get((uid, order_id))
        if client_oid:
            return self.by_client_oid.get((uid, client_oid))
        return None
