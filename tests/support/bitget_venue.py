"""A scripted Bitget for the client's unit tests (httpx.MockTransport), and the edits and answers they use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from airflow_batchmod.exchanges.base import ItemResult, Outcome, PreparedEdit
from airflow_batchmod.exchanges.bitget.client import BitgetCredentials
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem
from tests.support.seed import BTC_FUTURES

SECRET = "very-secret-value"
PASSPHRASE = "my-passphrase-123"
CREDENTIALS = BitgetCredentials(api_key="key-abcdefgh", secret=SECRET, passphrase=PASSPHRASE)

INSTRUMENTS = [
    BTC_FUTURES,
    {"symbol": "ETHUSDT", "pricePrecision": "2", "quantityPrecision": "2", "status": "offline"},
]

Responder = Callable[[httpx.Request], httpx.Response]


def ok(data: object, code: str = "00000", msg: str = "success") -> dict[str, Any]:
    return {"code": code, "msg": msg, "requestTime": 1700000000000, "data": data}


class Venue:
    """A scripted Bitget: instruments always answer; modify, open-orders and order-info answers
    are queued (an open-orders read with nothing queued lists no order)."""

    def __init__(self) -> None:
        self.modify: list[Responder] = []
        self.unfilled: list[Responder] = []
        self.order_info: list[Responder] = []
        #: order-info answers by the orderId or clientOid asked about (lookups run concurrently).
        self.order_info_for: dict[str, list[Responder]] = {}
        self.instruments: Responder = lambda _r: httpx.Response(200, json=ok(INSTRUMENTS))
        self.seen: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.seen.append(request)
        if request.url.path == "/api/v3/market/instruments":
            return self.instruments(request)
        if request.url.path == "/api/v3/trade/batch-modify-order":
            return self.modify.pop(0)(request)
        if request.url.path == "/api/v3/trade/order-info":
            asked = request.url.params.get("orderId") or request.url.params.get("clientOid") or ""
            queued = self.order_info_for.get(asked)
            return (queued or self.order_info).pop(0)(request)
        if request.url.path == "/api/v3/trade/unfilled-orders":
            if self.unfilled:
                return self.unfilled.pop(0)(request)
            return httpx.Response(200, json=ok({"list": [], "cursor": ""}))
        if request.url.path == "/api/v3/account/settings":
            return httpx.Response(200, json=ok({"uid": "1001", "assetMode": "union"}))
        return httpx.Response(404, text="not found")

    def paths(self) -> list[str]:
        return [request.url.path for request in self.seen]


def reply(
    status: int, body: object = None, *, text: str | None = None, headers: dict[str, str] | None = None
) -> Responder:
    def respond(_request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return respond


def fail(exc_type: type[httpx.TransportError]) -> Responder:
    def respond(request: httpx.Request) -> httpx.Response:
        raise exc_type("boom", request=request)

    return respond


def edit(index: int, **fields: str) -> PreparedEdit:
    item = BatchModifyItem(symbol="BTCUSDT", category="USDT-FUTURES", **fields)
    key = f"orderId:{item.orderId}" if item.orderId else f"clientOid:{item.clientOid}"
    return PreparedEdit(index, key, "USDT-FUTURES", f"edit {index}", item)


THREE = [
    edit(0, orderId="1", price="60010"),
    edit(1, orderId="2", qty="0.02"),
    edit(2, clientOid="ladder-3", price="59990"),
]


def outcomes(results: list[ItemResult]) -> list[tuple[int, Outcome, str | None, str | None]]:
    return [(r.index, r.outcome, r.order_id, r.code) for r in results]


def order(price: str = "60000.0", qty: str = "0.010", status: str = "live", order_id: str = "1") -> Responder:
    data = {
        "orderId": order_id,
        "clientOid": "c",
        "price": price,
        "qty": qty,
        "cumExecQty": "0",
        "orderStatus": status,
    }
    return reply(200, ok(data))
