"""Bitget UTA endpoints: batch-modify-order, order-info, instruments and account settings."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from airflow_batchmod.exchanges.decimals import decimal_places, format_decimal, parse_positive_decimal
from airflow_batchmod.sandbox.bitget_auth import AuthError, authenticate
from airflow_batchmod.sandbox.config import SandboxConfig
from airflow_batchmod.sandbox.faults import FaultRule
from airflow_batchmod.sandbox.ratelimit import SlidingWindow, arrival_time
from airflow_batchmod.sandbox.seed import BITGET_CATEGORIES
from airflow_batchmod.sandbox.state import (
    BITGET_MODIFIABLE,
    BitgetAccount,
    BitgetOrder,
    World,
    fixed,
)
from airflow_batchmod.sandbox.wire import Call, Request, Response, parse_json

MODIFY_PATH = "/api/v3/trade/batch-modify-order"
ORDER_INFO_PATH = "/api/v3/trade/order-info"
INSTRUMENTS_PATH = "/api/v3/market/instruments"
SETTINGS_PATH = "/api/v3/account/settings"
MAX_BATCH = 20
_ITEM_KEYS = ("orderId", "clientOid", "qty", "price", "autoCancel", "symbol", "category")

#: Messages for codes a fault rule may inject; unknown codes get a generic text.
KNOWN_MESSAGES = {
    "40010": "Request timed out",
    "40725": "service return an error",
    "45001": "Unknown error",
    "25114": "There are modification orders in progress.",
    "25572": "Too many pending modification requests. Please try again later",
    "25653": "The order has been changed. Please try again later",
    "25003": "Concurrent operation, please retry",
    "25004": "Operation too frequent",
    "429": "Too Many Requests",
}


class Rejection(Exception):
    """A whole-request failure, answered with HTTP ``status`` and the Bitget envelope."""

    def __init__(self, status: int, code: str, msg: str) -> None:
        super().__init__(f"{code} {msg}")
        self.status = status
        self.code = code
        self.msg = msg


def _invalid(detail: str) -> Rejection:
    return Rejection(400, "40017", f"Parameter verification failed: {detail}")


@dataclass
class ModifyItem:
    order_id: str | None
    client_oid: str | None
    qty: Decimal | None
    price: Decimal | None
    auto_cancel: bool
    symbol: str | None
    category: str | None


class ItemFailure(Exception):
    def __init__(self, code: str, msg: str, *, order_level: bool = True) -> None:
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg
        #: Order-level failures trigger ``autoCancel``; "no such order" and "already closed" cannot.
        self.order_level = order_level


class BitgetVenue:
    name = "bitget"

    def __init__(
        self,
        world: World,
        config: Callable[[], SandboxConfig],
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._world = world
        self._config = config
        self._clock = clock
        self._rng = rng or random.Random()
        self.modify_limit = SlidingWindow(10, 1.0)
        self.query_limit = SlidingWindow(20, 1.0)

    def reset(self) -> None:
        self.modify_limit.clear()
        self.query_limit.clear()

    # --- classification --------------------------------------------------------------------------
    def describe(self, request: Request) -> Call:
        if request.path == MODIFY_PATH:
            try:
                body = parse_json(request.body)
            except ValueError:
                return Call("modify")
            if not isinstance(body, list):
                return Call("modify")
            keys = [
                (item.get("orderId") or item.get("clientOid")) if isinstance(item, dict) else None
                for item in body
            ]
            return Call("modify", len(body), keys)
        if request.path == ORDER_INFO_PATH:
            params = request.query_params()
            return Call("query", 1, [params.get("orderId") or params.get("clientOid")])
        if request.path in (INSTRUMENTS_PATH, SETTINGS_PATH):
            return Call("info")
        return Call("other")

    # --- dispatch --------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        routes: dict[tuple[str, str], Callable[[Request], Any]] = {
            ("POST", MODIFY_PATH): self._batch_modify,
            ("GET", ORDER_INFO_PATH): self._order_info,
            ("GET", INSTRUMENTS_PATH): self._instruments,
            ("GET", SETTINGS_PATH): self._settings,
        }
        route = routes.get((request.method, request.path))
        if route is None:
            return self._envelope(404, "40404", "Request URL NOT FOUND", None)
        try:
            return self._envelope(200, "00000", "success", route(request))
        except AuthError as exc:
            return self._envelope(400, exc.code, exc.msg, None)
        except Rejection as exc:
            return self._envelope(exc.status, exc.code, exc.msg, None)

    def fault_response(self, rule: FaultRule) -> Response:
        if rule.fault == "http_429":
            return self._envelope(429, "429", "Too Many Requests", None)
        if rule.fault == "bitget_code":
            code = rule.code or "45001"
            return self._envelope(200, code, KNOWN_MESSAGES.get(code, "Sandbox injected error"), None)
        return self._envelope(500, "50000", "Internal Server Error", None)

    def _envelope(self, status: int, code: str, msg: str, data: Any) -> Response:
        return Response.json(
            {"code": code, "msg": msg, "requestTime": self._now_ms(), "data": data}, status=status
        )

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _authenticate(self, request: Request, limit: SlidingWindow | None, per_second: int) -> BitgetAccount:
        account = authenticate(request, self._world.bitget, self._now_ms())
        if limit is not None and self._config().rate_limits:
            limit.limit = per_second
            if not limit.try_acquire(account.uid, arrival_time(request, self._clock)):
                raise Rejection(429, "429", "Too Many Requests")
        return account

    # --- endpoints -------------------------------------------------------------------------------
    def _batch_modify(self, request: Request) -> list[dict[str, Any]]:
        config = self._config()
        with self._world.lock:
            book = self._world.bitget
            account = self._authenticate(request, self.modify_limit, config.bitget_modify_per_second)
            items = _parse_items(request.body)
            orders = [book.find(account.uid, item.order_id, item.client_oid) for item in items]
            _check_batch(items, orders)
            now_ms = self._now_ms()
            # Items are applied in request order; the whole request runs under one lock.
            results = [_apply(item, order, now_ms) for item, order in zip(items, orders, strict=True)]
        if config.shuffle_bitget_items:
            self._rng.shuffle(results)
        return results

    def _order_info(self, request: Request) -> dict[str, Any]:
        config = self._config()
        with self._world.lock:
            account = self._authenticate(request, self.query_limit, config.bitget_query_per_second)
            params = request.query_params()
            order_id, client_oid = params.get("orderId"), params.get("clientOid")
            if not order_id and not client_oid:
                raise _invalid("orderId or clientOid is required")
            order = self._world.bitget.find(account.uid, order_id, client_oid)
            if order is None:
                raise Rejection(400, "25204", "Order does not exist")
            return _order_info_view(order)

    def _instruments(self, request: Request) -> list[dict[str, str]]:
        params = request.query_params()
        category = params.get("category")
        if not category:
            raise _invalid("category is required")
        if category not in BITGET_CATEGORIES:
            raise _invalid(f"category {category} is not supported")
        symbol = params.get("symbol")
        with self._world.lock:
            return [
                dict(instrument.raw)
                for (cat, sym), instrument in self._world.bitget.instruments.items()
                if cat == category and (not symbol or sym == symbol)
            ]

    def _settings(self, request: Request) -> dict[str, Any]:
        with self._world.lock:
            account = self._authenticate(request, None, 0)
            return {
                "uid": account.uid,
                "assetMode": "union",
                "holdMode": "one_way_mode",
                "stpMode": "none",
                "symbolConfig": [],
                "coinConfig": [],
            }


# --- batch-modify rules -----------------------------------------------------------------------------
def _text(item: dict[str, Any], key: str, index: int) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"item {index}: {key} must be a string")
    return value


def _number(item: dict[str, Any], key: str, index: int) -> Decimal | None:
    text = _text(item, key, index)
    if text is None or text == "":
        return None
    try:
        return parse_positive_decimal(text)
    except ValueError:
        raise _invalid(f"item {index}: {key} must be a positive number") from None


def _parse_items(body: bytes) -> list[ModifyItem]:
    try:
        raw = parse_json(body)
    except ValueError:
        raise _invalid("the body must be a JSON array of orders") from None
    if not isinstance(raw, list):
        raise _invalid("the body must be a JSON array of orders")
    if not raw:
        raise _invalid("the order list is empty")
    if len(raw) > MAX_BATCH:
        raise _invalid(f"at most {MAX_BATCH} orders per batch, got {len(raw)}")
    items = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise _invalid(f"item {index} must be an object")
        auto_cancel = _text(item, "autoCancel", index) or "no"
        if auto_cancel not in ("yes", "no"):
            raise _invalid(f"item {index}: autoCancel must be yes or no")
        category = _text(item, "category", index) or None
        if category is not None and category not in BITGET_CATEGORIES:
            raise _invalid(f"item {index}: category {category} is not supported")
        parsed = ModifyItem(
            order_id=_text(item, "orderId", index) or None,
            client_oid=_text(item, "clientOid", index) or None,
            qty=_number(item, "qty", index),
            price=_number(item, "price", index),
            auto_cancel=auto_cancel == "yes",
            symbol=_text(item, "symbol", index) or None,
            category=category,
        )
        if parsed.order_id is None and parsed.client_oid is None:
            raise _invalid(f"item {index}: orderId or clientOid is required")
        if parsed.qty is None and parsed.price is None:
            raise _invalid(f"item {index}: qty or price is required")
        items.append(parsed)
    return items


def _check_batch(items: list[ModifyItem], orders: list[BitgetOrder | None]) -> None:
    seen: set[tuple[str, str]] = set()
    categories: set[str] = set()
    for index, (item, order) in enumerate(zip(items, orders, strict=True)):
        identity = (
            ("orderId", order.order_id)
            if order is not None
            else ("orderId", item.order_id)
            if item.order_id
            else ("clientOid", item.client_oid or "")
        )
        if identity in seen:
            raise _invalid(f"item {index}: order {identity[1]} appears more than once in the batch")
        seen.add(identity)
        category = item.category or (order.category if order is not None else None)
        if category is not None:
            categories.add(category)
    if len(categories) > 1:
        raise _invalid(f"all orders in a batch must be in one category, got {sorted(categories)}")


def _apply(item: ModifyItem, order: BitgetOrder | None, now_ms: int) -> dict[str, Any]:
    echo: dict[str, Any] = {
        "orderId": order.order_id if order else item.order_id,
        "clientOid": order.client_oid if order else item.client_oid,
    }
    try:
        _modify(item, order, now_ms)
    except ItemFailure as failure:
        if (
            failure.order_level
            and item.auto_cancel
            and order is not None
            and order.status in BITGET_MODIFIABLE
        ):
            order.status = "cancelled"
            order.updated_ms = now_ms
        return {**echo, "code": failure.code, "msg": failure.msg}
    return echo


def _modify(item: ModifyItem, order: BitgetOrder | None, now_ms: int) -> None:
    if (
        order is None
        or (item.symbol is not None and item.symbol != order.symbol)
        or (item.category is not None and item.category != order.category)
    ):
        raise ItemFailure("25204", "Order does not exist", order_level=False)
    if order.status not in BITGET_MODIFIABLE:
        raise ItemFailure(
            "25568",
            f"The order does not meet the modification requirements. (the order is {order.status})",
            order_level=False,
        )
    if order.reduce_only:
        raise ItemFailure("25574", "Reduce-only order protection")
    instrument = order.instrument
    price = item.price if item.price is not None else order.price
    qty = item.qty if item.qty is not None else order.qty
    if price % instrument.price_step != 0 or decimal_places(price) > instrument.price_places:
        raise ItemFailure("25244", f"Price should be a multiple of {format_decimal(instrument.price_step)}")
    if qty % instrument.qty_step != 0 or decimal_places(qty) > instrument.qty_places:
        raise ItemFailure(
            "25610",
            f"Quantity precision error: qty should be a multiple of {format_decimal(instrument.qty_step)}",
        )
    if instrument.min_qty is not None and qty < instrument.min_qty:
        raise ItemFailure(
            "25207", f"The order quantity is below the minimum {format_decimal(instrument.min_qty)}"
        )
    if instrument.max_qty is not None and qty > instrument.max_qty:
        raise ItemFailure(
            "25208", f"The order quantity exceeds the maximum {format_decimal(instrument.max_qty)}"
        )
    if qty < order.filled_qty:
        raise ItemFailure(
            "25568",
            "The order does not meet the modification requirements. "
            f"(qty {format_decimal(qty)} is below the filled qty {format_decimal(order.filled_qty)})",
        )
    if price == order.price and qty == order.qty:
        raise ItemFailure("25571", "The modification price and qty is the same as the original value")
    order.price = price
    order.qty = qty
    order.modifications += 1
    order.updated_ms = now_ms
    if qty == order.filled_qty:
        order.status = "filled"


def _order_info_view(order: BitgetOrder) -> dict[str, Any]:
    places = order.instrument
    return {
        "orderId": order.order_id,
        "clientOid": order.client_oid,
        "category": order.category,
        "symbol": order.symbol,
        "orderType": "limit",
        "side": order.side,
        "price": fixed(order.price, places.price_places),
        "qty": fixed(order.qty, places.qty_places),
        "cumExecQty": fixed(order.filled_qty, places.qty_places),
        "timeInForce": "gtc",
        "orderStatus": order.status,
        "reduceOnly": "yes" if order.reduce_only else "no",
        "createdTime": str(order.created_ms),
        "updatedTime": str(order.updated_ms),
    }
