"""In-memory order books of both venues. Every read and write happens under ``World.lock``."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.sandbox.hyperliquid_budget import AddressBudgets
from airflow_batchmod.sandbox.nonces import NonceTracker

BITGET_MODIFIABLE = frozenset({"live", "partially_filled"})


def fixed(number: Decimal, places: int) -> str:
    """``number`` with exactly ``places`` decimals, as Bitget prints prices and sizes."""
    return f"{number.quantize(Decimal(1).scaleb(-places)):f}" if places > 0 else f"{number:f}"


# --- Bitget -------------------------------------------------------------------------------------------
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


# --- Hyperliquid --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HlAsset:
    asset: int
    coin: str
    sz_decimals: int
    spot: bool

    @property
    def max_price_decimals(self) -> int:
        return (8 if self.spot else 6) - self.sz_decimals


@dataclass
class HlOrder:
    user: str
    oid: int
    cloid: str | None
    coin: str
    asset: int
    side: str  # "B" | "A"
    limit_px: Decimal
    sz: Decimal
    orig_sz: Decimal
    reduce_only: bool
    order_type: dict[str, Any]
    status: str
    timestamp: int
    status_timestamp: int
    replaced_by: int | None = None
    replaces: int | None = None

    @property
    def trigger(self) -> dict[str, Any] | None:
        trigger = self.order_type.get("trigger")
        return trigger if isinstance(trigger, dict) else None

    def view(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "oid": self.oid,
            "cloid": self.cloid,
            "coin": self.coin,
            "asset": self.asset,
            "side": self.side,
            "limitPx": format_decimal(self.limit_px),
            "sz": format_decimal(self.sz),
            "origSz": format_decimal(self.orig_sz),
            "reduceOnly": self.reduce_only,
            "orderType": self.order_type,
            "status": self.status,
            "replacedBy": self.replaced_by,
            "replaces": self.replaces,
        }


@dataclass
class HlBook:
    network: str = "mainnet"
    perps: list[dict[str, Any]] = field(default_factory=list)
    spot_tokens: list[dict[str, Any]] = field(default_factory=list)
    spot_universe: list[dict[str, Any]] = field(default_factory=list)
    assets: dict[int, HlAsset] = field(default_factory=dict)
    assets_by_coin: dict[str, HlAsset] = field(default_factory=dict)
    mark_prices: dict[str, Decimal] = field(default_factory=dict)
    users: set[str] = field(default_factory=set)
    agents: dict[str, str] = field(default_factory=dict)  # agent -> user
    vaults: dict[str, str] = field(default_factory=dict)  # vault -> owning user
    orders: dict[int, HlOrder] = field(default_factory=dict)  # insertion order = creation order
    next_oid: int = 1_000_001
    nonces: NonceTracker = field(default_factory=NonceTracker)
    budgets: AddressBudgets = field(default_factory=AddressBudgets)

    @property
    def mainnet(self) -> bool:
        return self.network == "mainnet"

    def add(self, order: HlOrder) -> None:
        self.orders[order.oid] = order
        self.next_oid = max(self.next_oid, order.oid + 1)

    def allocate_oid(self) -> int:
        oid = self.next_oid
        self.next_oid += 1
        return oid

    def newest_by_cloid(self, user: str, cloid: str) -> HlOrder | None:
        found: HlOrder | None = None
        for order in self.orders.values():
            if order.user == user and order.cloid == cloid and (found is None or order.oid > found.oid):
                found = order
        return found

    def role(self, address: str) -> dict[str, Any]:
        if address in self.vaults:
            return {"role": "vault"}
        if address in self.users:
            return {"role": "user"}
        if address in self.agents:
            return {"role": "agent", "data": {"user": self.agents[address]}}
        return {"role": "missing"}


class World:
    """Both venues' books behind one lock, so a request is applied atomically."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.bitget = BitgetBook()
        self.hyperliquid = HlBook()

    def replace(self, bitget: BitgetBook, hyperliquid: HlBook) -> None:
        with self.lock:
            self.bitget = bitget
            self.hyperliquid = hyperliquid

    def view(self) -> dict[str, Any]:
        with self.lock:
            return {
                "bitget": {"orders": [order.view() for order in self.bitget.orders]},
                "hyperliquid": {"orders": [order.view() for order in self.hyperliquid.orders.values()]},
            }
