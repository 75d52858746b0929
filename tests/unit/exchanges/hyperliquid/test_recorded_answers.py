"""Our parsers read real Hyperliquid answers (``tests/data/recorded/hyperliquid/``, sources in its
README) with the right values: every recording that answers a call the client makes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_batchmod.exchanges.base import FatalRequestError, Outcome
from airflow_batchmod.exchanges.hyperliquid.crossing import read_best_prices
from airflow_batchmod.exchanges.hyperliquid.identity import acting_user_of
from airflow_batchmod.exchanges.hyperliquid.info import InfoReader
from airflow_batchmod.exchanges.hyperliquid.metadata import parse_perp_meta
from airflow_batchmod.exchanges.hyperliquid.orders import read_open_orders, read_order_status
from airflow_batchmod.exchanges.hyperliquid.responses import status_result
from airflow_batchmod.exchanges.ratelimit import SlidingWindowLimiter
from airflow_batchmod.exchanges.retry import ReadRetry

RECORDED = Path(__file__).resolve().parents[3] / "data" / "recorded" / "hyperliquid"


def _answer(name: str) -> Any:
    return json.loads((RECORDED / f"{name}.json").read_text())["answer"]


def _reader(answer: object) -> InfoReader:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    http = httpx.Client(base_url="http://venue.invalid", transport=transport)
    return InfoReader(http, SlidingWindowLimiter(1200, 60.0), ReadRetry(sleep=lambda _: None))


@pytest.mark.parametrize("name", ["info.meta__docs", "info.meta__sdk-cassette"])
def test_meta(name: str) -> None:
    universe = _answer(name)["universe"]
    assets = parse_perp_meta(_answer(name))
    assert [(a.asset, a.name, a.sz_decimals) for a in assets] == [
        (i, u["name"], u["szDecimals"]) for i, u in enumerate(universe)
    ]
    assert assets[0].name == "BTC" and assets[0].sz_decimals == 5


@pytest.mark.parametrize("name", ["info.frontendOpenOrders__docs", "info.frontendOpenOrders__sdk-cassette"])
def test_frontend_open_orders(name: str) -> None:
    raw = _answer(name)
    orders = read_open_orders(raw)
    assert [o.oid for o in orders] == [r["oid"] for r in raw]
    for order, record in zip(orders, raw, strict=True):
        assert (order.coin, order.side, order.price) == (
            record["coin"],
            record["side"],
            Decimal(record["limitPx"]),
        )
        assert (order.size, order.orig_size) == (Decimal(record["sz"]), Decimal(record["origSz"]))
        assert order.trigger_px == (Decimal(record["triggerPx"]) if record["isTrigger"] else None)


@pytest.mark.parametrize("name", ["info.openOrders__docs", "info.openOrders__sdk-cassette"])
def test_open_orders(name: str) -> None:
    raw = _answer(name)
    assert [(o.oid, o.price, o.size) for o in read_open_orders(raw)] == [
        (r["oid"], Decimal(r["limitPx"]), Decimal(r["sz"])) for r in raw
    ]


@pytest.mark.parametrize(
    "name", ["info.orderStatus__ccxt-static-open-alo", "info.orderStatus__ccxt-static-hip3-open"]
)
def test_order_status(name: str) -> None:
    raw = _answer(name)["order"]
    order = read_order_status(_answer(name))
    assert order is not None
    assert (order.oid, order.status, order.coin) == (raw["order"]["oid"], raw["status"], raw["order"]["coin"])
    assert order.price == Decimal(raw["order"]["limitPx"])


def test_unknown_order_status() -> None:
    assert read_order_status(_answer("info.orderStatus__docs-unknownOid")) is None


@pytest.mark.parametrize("name", ["info.l2Book__docs", "info.l2Book__sdk-cassette"])
def test_l2_book(name: str) -> None:
    raw = _answer(name)
    best = read_best_prices(raw, raw["coin"])
    assert (best.bid, best.ask) == (Decimal(raw["levels"][0][0]["px"]), Decimal(raw["levels"][1][0]["px"]))
    assert best.bid is not None and best.ask is not None and best.bid < best.ask


@pytest.mark.parametrize("name", ["info.userRateLimit__docs", "info.userRateLimit__sdk-cassette"])
def test_user_rate_limit(name: str) -> None:
    raw = _answer(name)
    budget = _reader(raw).address_budget("0x" + "0" * 40)
    assert (budget.used, budget.cap, budget.cumulative_volume) == (
        raw["nRequestsUsed"],
        raw["nRequestsCap"],
        raw["cumVlm"],
    )


def test_all_mids() -> None:
    raw = _answer("info.allMids__sdk-cassette")
    assert _reader(raw).all_mids()["BTC"] == raw["BTC"] == "30135.0"


@pytest.mark.parametrize(
    ("name", "acts_for"),
    [
        ("info.userRole__docs-agent", "0x..."),  # the docs elide the address
        ("info.userRole__docs-missing", None),
        ("info.userRole__docs-subAccount", None),
        ("info.userRole__sdk-cassette", None),  # a vault signs nothing
    ],
)
def test_user_role(name: str, acts_for: str | None) -> None:
    signer = "0x" + "1" * 40
    reader = _reader(_answer(name))
    if acts_for is None:
        with pytest.raises(FatalRequestError, match=signer):
            acting_user_of(reader, signer)
    else:
        assert acting_user_of(reader, signer) == acts_for


@pytest.mark.parametrize(
    ("name", "outcome", "order_id"),
    [
        ("exchange.order__docs-resting", Outcome.APPLIED, "77738308"),
        ("exchange.order__docs-filled", Outcome.APPLIED, "77747314"),
        ("exchange.order__docs-error", Outcome.REJECTED, None),
        # ccxt quotes the oid; a status without an integer oid is never taken as applied.
        ("exchange.order__ccxt-static-filled", Outcome.UNKNOWN, None),
    ],
)
def test_order_statuses(name: str, outcome: Outcome, order_id: str | None) -> None:
    (status,) = _answer(name)["response"]["data"]["statuses"]
    result = status_result(0, status)
    assert (result.outcome, result.order_id) == (outcome, order_id)
    if outcome is Outcome.REJECTED:
        assert result.message == "Order must have minimum value of $10."
