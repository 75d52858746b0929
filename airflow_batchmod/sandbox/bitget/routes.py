"""Bitget UTA venue: routing, authentication, rate limits and the response envelope.

The rules live beside it: :mod:`bitget_modify` (batch-modify checks and effects),
:mod:`bitget_queue` (delayed "continuous modification") and :mod:`bitget_reads` (the reads).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from airflow_batchmod.sandbox.bitget import reads as bitget_reads
from airflow_batchmod.sandbox.bitget.auth import AuthError, authenticate
from airflow_batchmod.sandbox.bitget.errors import (
    KNOWN_MESSAGES,
    ItemFailure,
    Rejection,
    queue_full,
    throttled,
)
from airflow_batchmod.sandbox.bitget.fills import fill_order
from airflow_batchmod.sandbox.bitget.modify import (
    ModifyItem,
    apply_change,
    check_batch,
    check_on_arrival,
    echo,
    fail,
    first_failure,
    parse_items,
)
from airflow_batchmod.sandbox.bitget.queue import ModificationQueue
from airflow_batchmod.sandbox.bitget.state import BitgetAccount, BitgetOrder
from airflow_batchmod.sandbox.config import SandboxConfig
from airflow_batchmod.sandbox.faults import FaultRule
from airflow_batchmod.sandbox.ratelimit import SlidingWindow, arrival_time
from airflow_batchmod.sandbox.wire import Call, Request, Response, parse_json
from airflow_batchmod.sandbox.world import World

MODIFY_PATH = "/api/v3/trade/batch-modify-order"
ORDER_INFO_PATH = "/api/v3/trade/order-info"
UNFILLED_ORDERS_PATH = "/api/v3/trade/unfilled-orders"
TICKERS_PATH = "/api/v3/market/tickers"
INSTRUMENTS_PATH = "/api/v3/market/instruments"
SETTINGS_PATH = "/api/v3/account/settings"


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
        self.unfilled_limit = SlidingWindow(20, 1.0)
        self.public_limit = SlidingWindow(20, 1.0)
        self.queue = ModificationQueue()

    def reset(self) -> None:
        for window in (self.modify_limit, self.query_limit, self.unfilled_limit, self.public_limit):
            window.clear()
        self.queue.clear()

    def settle(self) -> None:
        """Apply the queued modifications whose time has come."""
        with self._world.lock:
            renew_in = self._world.bitget if self._config().bitget_modify_new_order_id else None
            self.queue.run_due(self._now_ms(), renew_in)

    # --- classification --------------------------------------------------------------------------
    def describe(self, request: Request) -> Call:
        kind = request.path.rsplit("/", 1)[-1]
        if request.path == MODIFY_PATH:
            try:
                body = parse_json(request.body)
            except ValueError:
                return Call("modify", kind=kind)
            if not isinstance(body, list):
                return Call("modify", kind=kind)
            keys = [
                (item.get("orderId") or item.get("clientOid")) if isinstance(item, dict) else None
                for item in body
            ]
            return Call("modify", len(body), keys, kind=kind)
        if request.path == ORDER_INFO_PATH:
            params = request.query_params()
            return Call("query", 1, [params.get("orderId") or params.get("clientOid")], kind=kind)
        if request.path == UNFILLED_ORDERS_PATH:
            return Call("query", kind=kind)
        if request.path in (INSTRUMENTS_PATH, SETTINGS_PATH, TICKERS_PATH):
            return Call("info", kind=kind)
        return Call("other", kind=kind)

    # --- dispatch --------------------------------------------------------------------------------
    def handle(self, request: Request, rule: FaultRule | None = None) -> Response:
        config = self._config()
        params = request.query_params()
        book = self._world.bitget
        routes: dict[tuple[str, str], Callable[[], Any]] = {
            ("POST", MODIFY_PATH): lambda: self._batch_modify(request, rule),
            ("GET", ORDER_INFO_PATH): lambda: bitget_reads.order_info(
                book, self._signed(request, self.query_limit, config.bitget_query_per_second), params
            ),
            ("GET", UNFILLED_ORDERS_PATH): lambda: bitget_reads.unfilled_orders(
                book,
                self._signed(request, self.unfilled_limit, config.bitget_unfilled_orders_per_second),
                params,
            ),
            ("GET", TICKERS_PATH): lambda: bitget_reads.tickers(
                book, self._public(request, params), self._now_ms()
            ),
            ("GET", INSTRUMENTS_PATH): lambda: bitget_reads.instruments(book, self._public(request, params)),
            ("GET", SETTINGS_PATH): lambda: bitget_reads.settings(self._signed(request, None, 0)),
        }
        route = routes.get((request.method, request.path))
        if route is None:
            return self._envelope(404, "40404", "Request URL NOT FOUND", None)
        try:
            with self._world.lock:
                data = route()
            return self._envelope(200, "00000", "success", data)
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
            # requestTime is text in real answers (ccxt's recordings), a number in the docs' examples.
            {"code": code, "msg": msg, "requestTime": str(self._now_ms()), "data": data},
            status=status,
        )

    def _now_ms(self) -> int:
        # Rounded, so that a clock stepped in float seconds lands on the millisecond it means.
        return round(self._clock() * 1000)

    def _admit(self, request: Request, limit: SlidingWindow, per_second: int, key: str) -> None:
        if self._config().rate_limits:
            limit.limit = per_second
            if not limit.try_acquire(key, arrival_time(request, self._clock)):
                raise throttled()

    def _signed(self, request: Request, limit: SlidingWindow | None, per_second: int) -> BitgetAccount:
        account = authenticate(request, self._world.bitget, self._now_ms())
        if limit is not None:
            self._admit(request, limit, per_second, account.uid)
        return account

    def _public(self, request: Request, params: dict[str, str]) -> dict[str, str]:
        """Public market endpoints: no signature, 20 requests per second per IP."""
        self._admit(request, self.public_limit, self._config().bitget_public_per_second, request.client)
        return params

    # --- batch-modify ----------------------------------------------------------------------------
    def _batch_modify(self, request: Request, rule: FaultRule | None) -> list[dict[str, Any]]:
        config = self._config()
        book = self._world.bitget
        account = self._signed(request, self.modify_limit, config.bitget_modify_per_second)
        items = parse_items(request.body)
        orders = [book.find(account.uid, item.order_id, item.client_oid) for item in items]
        check_batch(items, orders)
        marks = [book.mark_prices.get((o.category, o.symbol)) if o else None for o in orders]
        if config.bitget_batch_errors == "envelope":
            failure = first_failure(items, orders, marks)
            if failure is not None:
                raise Rejection(400, failure.code, failure.msg)
        now_ms = self._now_ms()
        fill_first = rule is not None and rule.fault == "fill_before_apply"
        results = []
        # Items are handled in request order; the whole request runs under one lock.
        for item, order, mark in zip(items, orders, marks, strict=True):
            try:
                found = check_on_arrival(item, order, mark)
                if fill_first:
                    # The market trades the whole order before the engine reaches this item.
                    fill_first = False
                    self._fill_first(item, found, config.bitget_apply_delay_ms, now_ms)
                else:
                    found = self._accept(item, found, mark, now_ms)
                results.append(echo(item, found))
            except ItemFailure as failure:
                results.append(fail(item, order, failure, now_ms))
        if config.shuffle_bitget_items:
            self._rng.shuffle(results)
        return results

    def _accept(self, item: ModifyItem, order: BitgetOrder, mark: Decimal | None, now_ms: int) -> BitgetOrder:
        """Apply the item now, or queue it (``bitget_apply_delay_ms``); the order that answers it."""
        config = self._config()
        if not config.bitget_apply_delay_ms:
            renew_in = self._world.bitget if config.bitget_modify_new_order_id else None
            return apply_change(item, order, now_ms, mark=mark, renew_in=renew_in)
        if self.queue.is_full(order):
            raise queue_full()
        self.queue.add(item, order, now_ms + config.bitget_apply_delay_ms)
        return order

    def _fill_first(self, item: ModifyItem, order: BitgetOrder, delay_ms: int, now_ms: int) -> None:
        if delay_ms:
            self._accept(item, order, None, now_ms)
            fill_order(order, None, now_ms)
        else:
            fill_order(order, None, now_ms)
            apply_change(item, order, now_ms)
