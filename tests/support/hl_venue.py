"""A scripted Hyperliquid for the client's unit tests (httpx.MockTransport), and the edits they send it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from airflow_batchmod.exchanges.base import PreparedEdit
from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.exchanges.retry import ReadRetry
from tests.support.hyperliquid_keys import ADDRESS, KEY

USER = ADDRESS.lower()
OWN_CLOID = "0x" + "11" * 16
NEW_CLOID = "0x" + "22" * 16

META = {
    "universe": [
        {"name": "BTC", "szDecimals": 5, "maxLeverage": 50},
        {"name": "OLD", "szDecimals": 2, "maxLeverage": 3, "isDelisted": True},
        {"name": "ETH", "szDecimals": 4, "maxLeverage": 50},
    ]
}
SPOT_META = {
    "tokens": [
        {"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0},
        {"name": "PURR", "szDecimals": 0, "weiDecimals": 5, "index": 1},
        {"name": "HYPE", "szDecimals": 2, "weiDecimals": 8, "index": 150},
    ],
    "universe": [
        {"name": "PURR/USDC", "tokens": [1, 0], "index": 0},
        {"name": "@107", "tokens": [150, 0], "index": 107},
    ],
}


def _open_order(oid: int, coin: str = "BTC", cloid: str | None = None) -> dict[str, Any]:
    return {
        "coin": coin,
        "side": "B",
        "limitPx": "59000",
        "sz": "0.01",
        "oid": oid,
        "timestamp": 1,
        "origSz": "0.01",
        "cloid": cloid,
        "reduceOnly": False,
        "orderType": "Limit",
        "tif": "Gtc",
        "isTrigger": False,
        "triggerPx": "0",
    }


def _status(oid: int, status: str, cloid: str | None = None, coin: str = "BTC") -> dict[str, Any]:
    return {
        "status": "order",
        "order": {"order": _open_order(oid, coin, cloid), "status": status, "statusTimestamp": 1},
    }


def _ok(*statuses: Any) -> httpx.Response:
    return httpx.Response(
        200, json={"status": "ok", "response": {"type": "order", "data": {"statuses": list(statuses)}}}
    )


Answer = httpx.Response | Exception | Callable[[dict[str, Any]], httpx.Response]


WIDE_BOOK: dict[str, Any] = {
    "coin": "BTC",
    "time": 1,
    "levels": [[{"px": "1", "sz": "1", "n": 1}], [{"px": "1000000", "sz": "1", "n": 1}]],
}


@dataclass
class FakeVenue:
    """A scripted Hyperliquid: /info from tables, /exchange from a queue of answers."""

    open_orders: list[dict[str, Any]] = field(default_factory=list)
    #: orderStatus answers by oid or cloid; absent -> unknownOid. A list is consumed one per call.
    statuses: dict[int | str, Any] = field(default_factory=dict)
    exchange: list[Answer] = field(default_factory=list)
    info_failures: dict[str, list[Answer]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    info_calls: list[dict[str, Any]] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    budget: dict[str, Any] | None = None
    #: l2Book answer for every coin: a wide book that nothing crosses unless a test says otherwise.
    book: dict[str, Any] = field(default_factory=lambda: dict(WIDE_BOOK))

    def _answer(self, answer: Answer, body: dict[str, Any], request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(body)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path == "/exchange":
            self.sent.append(body)
            return self._answer(self.exchange.pop(0), body, request)
        self.info_calls.append(body)
        kind = body["type"]
        failures = self.info_failures.get(kind)
        if failures:
            return self._answer(failures.pop(0), body, request)
        if kind == "meta":
            return httpx.Response(200, json=META)
        if kind == "spotMeta":
            return httpx.Response(200, json=SPOT_META)
        if kind == "frontendOpenOrders":
            return httpx.Response(200, json=self.open_orders)
        if kind == "userRole":
            return httpx.Response(200, json={"role": "user"})
        if kind == "l2Book":
            return httpx.Response(200, json=self.book)
        if kind == "userRateLimit" and self.budget is not None:
            return httpx.Response(200, json=self.budget)
        if kind == "orderStatus":
            answer = self.statuses.get(body["oid"], {"status": "unknownOid"})
            if isinstance(answer, list):
                answer = answer.pop(0) if len(answer) > 1 else answer[0]
            return httpx.Response(200, json=answer)
        return httpx.Response(422, text="Failed to deserialize the JSON body")

    def client(self, **options: Any) -> HyperliquidClient:
        options.setdefault("base_url", "http://venue.invalid")
        # The account is named, as a scheduled run's connection does: no userRole (weight 60).
        options.setdefault("account_address", USER)
        options.setdefault("read_retry", ReadRetry(sleep=self.sleeps.append))
        return HyperliquidClient(KEY, transport=httpx.MockTransport(self.handle), **options)


def _edit(oid: int | str = 1000001, **values: Any) -> dict[str, Any]:
    edit: dict[str, Any] = {"coin": "BTC", "is_buy": True, "price": "59500", "size": "0.02"}
    edit["cloid" if isinstance(oid, str) else "oid"] = oid
    edit.update(values)
    return edit


def _prepared(
    venue: FakeVenue, *raw: dict[str, Any], **options: Any
) -> tuple[HyperliquidClient, list[PreparedEdit]]:
    client = venue.client(**options)
    preparation = client.prepare(list(raw))
    assert preparation.problems == [], [problem.describe() for problem in preparation.problems]
    return client, preparation.edits


def _err(message: Any) -> httpx.Response:
    return httpx.Response(200, json={"status": "err", "response": message})
