"""Reads from Hyperliquid's ``/info`` endpoint, each paced by its weight and retried when a
later attempt can succeed.

Every read weighs against the same per-IP budget as ``/exchange`` (1200 weight a minute), so
every read acquires its weight from the client's one limiter before it goes out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from airflow_batchmod.exchanges.base import FailureKind, ReconcileError
from airflow_batchmod.exchanges.hyperliquid.errors import quote
from airflow_batchmod.exchanges.hyperliquid.metadata import AssetDirectory, build_directory
from airflow_batchmod.exchanges.hyperliquid.orders import OrderView, read_open_orders, read_order_status
from airflow_batchmod.exchanges.ratelimit import Limiter
from airflow_batchmod.exchanges.retry import (
    ReadFailed,
    ReadRetry,
    RetryableRead,
    failure_of_status,
    retry_after_seconds,
)

#: Info request weights, from the exchange's rate-limit page; any other type weighs 20.
INFO_WEIGHTS = {
    "l2Book": 2,
    "allMids": 2,
    "clearinghouseState": 2,
    "spotClearinghouseState": 2,
    "orderStatus": 2,
    "exchangeStatus": 2,
    "userRole": 60,
}
DEFAULT_INFO_WEIGHT = 20

#: What planning, confirming and reconciling need of each open order.
OPEN_ORDER_KEYS = frozenset(
    {"oid", "cloid", "coin", "side", "limitPx", "sz", "origSz", "reduceOnly", "orderType", "tif"}
    | {"isTrigger", "triggerPx"}
)


def info_weight(kind: str) -> int:
    return INFO_WEIGHTS.get(kind, DEFAULT_INFO_WEIGHT)


@dataclass(frozen=True)
class AddressBudget:
    """``userRateLimit``: the address's request budget."""

    used: int
    cap: int
    cumulative_volume: str

    @property
    def left(self) -> int:
        return max(0, self.cap - self.used)


class InfoReader:
    """Typed ``/info`` reads. Every failure is a :class:`ReconcileError` carrying its ``kind``."""

    def __init__(self, http: httpx.Client, limiter: Limiter, retry: ReadRetry) -> None:
        self._http = http
        self._limiter = limiter
        self.retry = retry

    def query(self, body: dict[str, Any], keep_keys: frozenset[str] | None = None) -> Any:
        """POST /info. ``keep_keys`` trims every JSON object to those keys as it is decoded: an
        account's open-order listing is then never held in memory in full."""
        kind = str(body["type"])
        try:
            return self.retry.run(lambda: self._attempt(kind, body, keep_keys))
        except ReadFailed as exc:
            raise ReconcileError(
                f"/info {kind} failed after {exc.attempts} attempts: {exc.problem}", kind=exc.kind
            ) from None

    def _attempt(self, kind: str, body: dict[str, Any], keep_keys: frozenset[str] | None) -> Any:
        self._limiter.acquire(info_weight(kind))
        try:
            response = self._http.post("/info", json=body)
        except httpx.TransportError as exc:
            raise RetryableRead(type(exc).__name__, kind=FailureKind.NETWORK) from None
        status = response.status_code
        failure = failure_of_status(status)
        if failure is not None:
            raise RetryableRead(f"HTTP {status}", kind=failure, retry_after=retry_after_seconds(response))
        if status != 200:
            raise ReconcileError(f"/info {kind}: HTTP {status}: {quote(response.text)}")
        try:
            if keep_keys is None:
                return response.json()
            return json.loads(response.content, object_hook=lambda record: _trimmed(record, keep_keys))
        except ValueError:
            raise ReconcileError(f"/info {kind}: the answer is not JSON") from None

    def directory(self) -> AssetDirectory:
        """Perp and spot assets (``meta`` and ``spotMeta``)."""
        return build_directory(self.query({"type": "meta"}), self.query({"type": "spotMeta"}))

    def open_orders(self, user: str, dex: str | None = None) -> list[OrderView]:
        """``frontendOpenOrders``: of the default dex, or of builder dex ``dex``."""
        body: dict[str, Any] = {"type": "frontendOpenOrders", "user": user}
        if dex is not None:
            body["dex"] = dex
        return read_open_orders(self.query(body, OPEN_ORDER_KEYS))

    def open_orders_on(self, user: str, dexes: Iterable[str]) -> list[OrderView]:
        """The default dex's open orders, then those of each builder dex in ``dexes``."""
        listed = self.open_orders(user)
        for dex in dexes:
            listed.extend(self.open_orders(user, dex))
        return listed

    def all_mids(self, dex: str | None = None) -> dict[str, str]:
        """``allMids``: the mid price of every coin (of builder dex ``dex``), as decimal text."""
        body = self.query({"type": "allMids"} if dex is None else {"type": "allMids", "dex": dex})
        if not isinstance(body, dict):
            raise ReconcileError("allMids: the answer is not an object")
        return {str(coin): str(mid) for coin, mid in body.items()}

    def l2_book(self, coin: str) -> Any:
        """``l2Book`` of one coin (weight 2): bids and asks, best first."""
        return self.query({"type": "l2Book", "coin": coin})

    def order_status(self, user: str, target: int | str) -> OrderView | None:
        return read_order_status(self.query({"type": "orderStatus", "user": user, "oid": target}))

    def user_role(self, address: str) -> dict[str, Any]:
        body = self.query({"type": "userRole", "user": address})
        if not isinstance(body, dict) or not isinstance(body.get("role"), str):
            raise ReconcileError(f"userRole: unexpected answer {quote(json.dumps(body))}")
        return body

    def address_budget(self, user: str) -> AddressBudget:
        body = self.query({"type": "userRateLimit", "user": user})
        used = body.get("nRequestsUsed") if isinstance(body, dict) else None
        cap = body.get("nRequestsCap") if isinstance(body, dict) else None
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (used, cap)):
            raise ReconcileError(f"userRateLimit: unexpected answer {quote(json.dumps(body))}")
        assert isinstance(used, int) and isinstance(cap, int) and isinstance(body, dict)
        return AddressBudget(used=used, cap=cap, cumulative_volume=str(body.get("cumVlm", "0")))


def _trimmed(record: dict[str, Any], keep: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key in keep}
