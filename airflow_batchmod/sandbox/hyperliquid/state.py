"""Hyperliquid's assets, users, agents, vaults and orders, as the sandbox keeps them (under ``World.lock``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.sandbox.hyperliquid.budget import AddressBudgets
from airflow_batchmod.sandbox.hyperliquid.nonces import NonceTracker


@dataclass(frozen=True)
class HyperliquidAsset:
    asset: int
    coin: str
    sz_decimals: int
    spot: bool

    @property
    def dex(self) -> str | None:
        """The builder dex of a HIP-3 perp (``xyz`` of ``xyz:TSLA``); None on the default dex and spot."""
        dex, colon, _ = self.coin.partition(":")
        return dex if colon else None

    @property
    def max_price_decimals(self) -> int:
        return (8 if self.spot else 6) - self.sz_decimals


@dataclass
class HyperliquidOrder:
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
class HyperliquidBook:
    network: str = "mainnet"
    perps: list[dict[str, Any]] = field(default_factory=list)
    spot_tokens: list[dict[str, Any]] = field(default_factory=list)
    spot_universe: list[dict[str, Any]] = field(default_factory=list)
    #: ``perpDexs``: entry 0 (the default dex) is None, then each builder dex by its index.
    perp_dexs: list[dict[str, Any] | None] = field(default_factory=lambda: [None])
    #: Each builder dex's ``meta`` universe, by dex name.
    dex_perps: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    assets: dict[int, HyperliquidAsset] = field(default_factory=dict)
    assets_by_coin: dict[str, HyperliquidAsset] = field(default_factory=dict)
    mark_prices: dict[str, Decimal] = field(default_factory=dict)
    users: set[str] = field(default_factory=set)
    agents: dict[str, str] = field(default_factory=dict)  # agent -> user
    vaults: dict[str, str] = field(default_factory=dict)  # vault -> owning user
    orders: dict[int, HyperliquidOrder] = field(default_factory=dict)  # insertion order = creation order
    next_oid: int = 1_000_001
    nonces: NonceTracker = field(default_factory=NonceTracker)
    budgets: AddressBudgets = field(default_factory=AddressBudgets)

    @property
    def mainnet(self) -> bool:
        return self.network == "mainnet"

    def add(self, order: HyperliquidOrder) -> None:
        self.orders[order.oid] = order
        self.next_oid = max(self.next_oid, order.oid + 1)

    def allocate_oid(self) -> int:
        oid = self.next_oid
        self.next_oid += 1
        return oid

    def by_cloid(self, user: str, cloid: str) -> list[HyperliquidOrder]:
        """The user's orders that carried ``cloid``, oldest first."""
        return sorted(
            (o for o in self.orders.values() if o.user == user and o.cloid == cloid), key=lambda o: o.oid
        )

    def newest_by_cloid(self, user: str, cloid: str) -> HyperliquidOrder | None:
        carriers = self.by_cloid(user, cloid)
        return carriers[-1] if carriers else None

    def role(self, address: str) -> dict[str, Any]:
        if address in self.vaults:
            return {"role": "vault"}
        if address in self.users:
            return {"role": "user"}
        if address in self.agents:
            return {"role": "agent", "data": {"user": self.agents[address]}}
        return {"role": "missing"}
