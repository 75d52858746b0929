"""Book reads and market moves over real HTTP: Bitget unfilled-orders and tickers, Hyperliquid allMids,
``/sandbox/mark``, ``/sandbox/fill`` and the delayed "continuous modification" queue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders
from tests.support.signed_requests import (
    BITGET_SECOND,
    BTC,
    HL_KEY_A,
    HL_USER_A,
    TICKERS_PATH,
    bitget_modify,
    bitget_unfilled,
    hl_info,
    hl_modify,
    hl_order,
    item_codes,
    statuses,
)
from tests.support.timing import wait_for


@pytest.fixture
def client(fresh_sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fresh_sandbox.url, timeout=5.0) as http:
        yield http


def _open_ids(sandbox: Sandbox, uid: str, category: str) -> list[str]:
    """The account's open orders in the category, newest first, from the sandbox state."""
    orders = [
        o
        for o in sandbox.state()["bitget"]["orders"]
        if o["uid"] == uid and o["category"] == category and o["status"] in ("live", "partially_filled")
    ]
    return [o["orderId"] for o in reversed(orders)]


#: Long enough that a loaded machine still reads the state before anything queued is applied.
APPLY_DELAY_MS = 1000


def _settled(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """The Bitget orders once no modification is queued any more."""

    def drained() -> dict[str, dict[str, Any]]:
        orders = bitget_orders(sandbox.state())
        return orders if all(o["pendingModifications"] == 0 for o in orders.values()) else {}

    settled: dict[str, dict[str, Any]] = wait_for(drained, "the queued modifications to be applied")
    return settled


def _pages(client: httpx.Client, params: dict[str, str]) -> list[dict[str, Any]]:
    pages, cursor = [], ""
    while True:
        query = dict(params, cursor=cursor) if cursor else params
        response = bitget_unfilled(client, query)
        assert response.status_code == 200, response.text
        page = response.json()["data"]
        pages.append(page)
        cursor = page["cursor"]
        if not cursor:
            return pages


def test_unfilled_orders_pages_through_exactly_the_open_orders(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    expected = _open_ids(fresh_sandbox, "1001", "USDT-FUTURES")
    pages = _pages(client, {"category": "USDT-FUTURES", "limit": "25"})
    listed = [order["orderId"] for page in pages for order in page["list"]]
    assert listed == expected  # newest first, no duplicates, nothing closed, nothing of another account
    assert [len(page["list"]) for page in pages] == [25, 25, len(expected) - 50]
    assert "9002" not in listed and "9003" not in listed  # filled and cancelled
    item = next(o for page in pages for o in page["list"] if o["orderId"] == "9001")
    assert (item["orderStatus"], item["qty"], item["cumExecQty"], item["reduceOnly"]) == (
        "partially_filled",
        "0.100",
        "0.040",
        "NO",
    )
    assert next(o for o in pages[0]["list"] if o["orderId"] == "9004")["reduceOnly"] == "YES"


def test_unfilled_orders_filters_by_symbol_and_a_full_last_page_ends_with_an_empty_one(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    spot = _open_ids(fresh_sandbox, "1001", "SPOT")
    pages = _pages(client, {"category": "SPOT", "symbol": "BTCUSDT", "limit": str(len(spot))})
    assert [[o["orderId"] for o in page["list"]] for page in pages] == [spot, []]
    assert pages[0]["cursor"] == spot[-1]
    eth = bitget_unfilled(client, {"category": "USDT-FUTURES", "symbol": "ETHUSDT"}).json()["data"]["list"]
    assert eth and {o["symbol"] for o in eth} == {"ETHUSDT"}
    second = bitget_unfilled(client, {}, creds=BITGET_SECOND).json()["data"]["list"]
    assert {o["orderId"] for o in second} == {str(n) for n in range(2001, 2011)}


def test_an_order_that_closes_between_pages_shifts_nothing(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    expected = _open_ids(fresh_sandbox, "1001", "USDT-FUTURES")
    first = bitget_unfilled(client, {"category": "USDT-FUTURES", "limit": "20"}).json()["data"]
    gone = expected[25]
    fresh_sandbox.fill("bitget", gone)
    rest = _pages(client, {"category": "USDT-FUTURES", "limit": "20", "cursor": first["cursor"]})
    listed = [o["orderId"] for o in first["list"]] + [o["orderId"] for page in rest for o in page["list"]]
    assert listed == [order_id for order_id in expected if order_id != gone]


@pytest.mark.parametrize(
    ("params", "code"),
    [({"limit": "101"}, "40017"), ({"limit": "ten"}, "40017"), ({"category": "FUTURES"}, "40017")],
)
def test_unfilled_orders_refuses_bad_parameters(
    client: httpx.Client, params: dict[str, str], code: str
) -> None:
    response = bitget_unfilled(client, params)
    assert (response.status_code, response.json()["code"]) == (400, code)


def test_unfilled_orders_needs_a_signature(client: httpx.Client) -> None:
    response = client.get("/api/v3/trade/unfilled-orders?category=SPOT")
    assert (response.status_code, response.json()["code"]) == (400, "40001")


def test_tickers_follow_the_mark(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    [btc] = client.get(TICKERS_PATH, params={"category": "USDT-FUTURES", "symbol": "BTCUSDT"}).json()["data"]
    assert (btc["lastPrice"], btc["markPrice"], btc["bid1Price"], btc["ask1Price"]) == (
        "60000.0",
        "60000.0",
        "59999.9",
        "60000.1",
    )
    fresh_sandbox.mark("bitget", "BTCUSDT", "60500.5", category="USDT-FUTURES")
    futures = client.get(TICKERS_PATH, params={"category": "USDT-FUTURES"}).json()["data"]
    assert {t["symbol"]: t["lastPrice"] for t in futures} == {"BTCUSDT": "60500.5", "ETHUSDT": "3000.00"}
    [spot] = client.get(TICKERS_PATH, params={"category": "SPOT"}).json()["data"]
    assert spot["lastPrice"] == "60000.00" and "markPrice" not in spot
    missing = client.get(TICKERS_PATH)
    assert (missing.status_code, missing.json()["code"]) == (400, "40017")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"venue": "bitget", "symbol": "BTCUSDT", "price": "60000.0"}, "category is required"),
        (
            {"venue": "bitget", "symbol": "BTCUSDT", "category": "USDT-FUTURES", "price": "1.05"},
            "multiple of 0.1",
        ),
        ({"venue": "hyperliquid", "symbol": "DOGE", "price": "1"}, "no coin"),
        ({"venue": "hyperliquid", "symbol": "BTC", "price": "-1"}, "price: must be a positive number"),
        ({"venue": "binance", "symbol": "BTC", "price": "1"}, "venue"),
    ],
)
def test_mark_refuses_what_no_market_has(fresh_sandbox: Sandbox, body: dict[str, str], message: str) -> None:
    response = httpx.post(f"{fresh_sandbox.url}/sandbox/mark", json=body)
    assert response.status_code == 400 and message in response.json()["error"]


def test_all_mids_follow_the_mark_and_the_mark_decides_what_crosses(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    # The refused modify must leave its original for the second try: the venue's default (the
    # original cancelled) is covered by the Hyperliquid sandbox tests.
    fresh_sandbox.configure(hyperliquid_failed_modify="keeps_original")
    mids = hl_info(client, {"type": "allMids"})
    assert (mids["BTC"], mids["ETH"], mids["PURR/USDC"], mids["@0"]) == ("60000", "3000", "0.2", "0.2")
    cross = [{"oid": 1000002, "order": hl_order(BTC, True, "60100", "0.001", "Alo")}]
    assert (
        "Post only order would have immediately matched"
        in statuses(hl_modify(client, HL_KEY_A, cross))[0]["error"]
    )
    fresh_sandbox.mark("hyperliquid", "BTC", "60500")
    assert hl_info(client, {"type": "allMids"})["BTC"] == "60500"
    assert "resting" in statuses(hl_modify(client, HL_KEY_A, cross))[0]


def test_bitget_fill_partly_then_completely(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    partly = fresh_sandbox.fill("bitget", "ladder-1", "0.004")["order"]
    assert (partly["orderId"], partly["filledQty"], partly["status"]) == ("1001", "0.004", "partially_filled")
    listed = bitget_unfilled(client, {"symbol": "BTCUSDT"}).json()["data"]["list"]
    assert next(o for o in listed if o["orderId"] == "1001")["cumExecQty"] == "0.004"
    # A modify may not go below what has traded: the exchange's rule holds after a sandbox fill.
    assert item_codes(bitget_modify(client, [{"orderId": "1001", "qty": "0.003"}])) == ["25568"]
    assert fresh_sandbox.fill("bitget", "1001")["order"]["status"] == "filled"
    listed = bitget_unfilled(client, {"symbol": "BTCUSDT"}).json()["data"]["list"]
    assert "1001" not in {o["orderId"] for o in listed}
    refused = httpx.post(f"{fresh_sandbox.url}/sandbox/fill", json={"venue": "bitget", "order": "1001"})
    assert refused.status_code == 400 and "filled" in refused.json()["error"]


def test_hyperliquid_fill_by_cloid_follows_the_order_through_a_modify(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    cloid = "0x0000000a000000000000000000000001"
    [status] = statuses(
        hl_modify(client, HL_KEY_A, [{"oid": cloid, "order": hl_order(BTC, True, "59800", "0.004", "Alo")}])
    )
    new_oid = status["resting"]["oid"]
    assert fresh_sandbox.fill("hyperliquid", cloid, "0.001")["order"]["oid"] == new_oid
    orders = hyperliquid_orders(fresh_sandbox.state())
    assert (orders[new_oid]["sz"], orders[new_oid]["origSz"], orders[new_oid]["status"]) == (
        "0.003",
        "0.004",
        "open",
    )
    assert fresh_sandbox.fill("hyperliquid", new_oid)["order"]["status"] == "filled"
    open_oids = {o["oid"] for o in hl_info(client, {"type": "frontendOpenOrders", "user": HL_USER_A})}
    assert new_oid not in open_oids and 1000002 in open_oids
    # The traded notional (0.004 x 59800 = 239.2 USDC) counts as volume for the address budget.
    assert hl_info(client, {"type": "userRateLimit", "user": HL_USER_A})["cumVlm"] == "239.2"


def test_bitget_modifications_wait_for_the_apply_delay(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    fresh_sandbox.configure(bitget_apply_delay_ms=APPLY_DELAY_MS)
    response = bitget_modify(
        client, [{"orderId": "1001", "price": "59850.0"}, {"orderId": "1002", "qty": "0.020"}]
    )
    assert response.json()["data"] == [
        {"orderId": "1001", "clientOid": "ladder-1"},
        {"orderId": "1002", "clientOid": "ladder-2"},
    ]
    orders = bitget_orders(fresh_sandbox.state())
    assert (orders["1001"]["price"], orders["1001"]["pendingModifications"]) == ("59900.0", 1)
    orders = _settled(fresh_sandbox)
    assert (
        orders["1001"]["price"],
        orders["1001"]["pendingModifications"],
        orders["1001"]["modifications"],
    ) == (
        "59850.0",
        0,
        1,
    )
    assert orders["1002"]["qty"] == "0.020"


def test_a_sixth_queued_modification_is_refused_with_25572(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    fresh_sandbox.configure(bitget_apply_delay_ms=APPLY_DELAY_MS)
    codes = [
        item_codes(bitget_modify(client, [{"orderId": "1001", "price": f"5980{n}.0"}]))[0] for n in range(6)
    ]
    assert codes == [None] * 5 + ["25572"]
    order = _settled(fresh_sandbox)["1001"]
    assert (order["price"], order["modifications"], order["pendingModifications"]) == ("59804.0", 5, 0)


def test_fill_before_apply_fills_the_first_order_and_its_modification_fails(
    client: httpx.Client, fresh_sandbox: Sandbox
) -> None:
    fresh_sandbox.configure(bitget_apply_delay_ms=APPLY_DELAY_MS)
    fresh_sandbox.set_faults([{"venue": "bitget", "fault": "fill_before_apply"}])
    response = bitget_modify(
        client,
        [
            {"orderId": "1001", "price": "59850.0", "autoCancel": "yes"},
            {"orderId": "1002", "price": "59750.0"},
        ],
    )
    assert item_codes(response) == [None, None]  # accepted: the failure comes later, out of sight
    orders = _settled(fresh_sandbox)
    first, second = orders["1001"], orders["1002"]
    assert (first["status"], first["filledQty"], first["price"], first["modifications"]) == (
        "filled",
        "0.010",
        "59900.0",
        0,
    )
    assert first["lastModifyError"].startswith("25568")
    assert (second["price"], second["modifications"], second["status"]) == ("59750.0", 1, "live")
    [entry] = fresh_sandbox.requests_where(venue="bitget", endpoint="modify")
    assert entry["fault"] == "fill_before_apply"


def test_every_read_is_in_the_request_log(client: httpx.Client, fresh_sandbox: Sandbox) -> None:
    bitget_unfilled(client, {"category": "SPOT"})
    client.get(TICKERS_PATH, params={"category": "SPOT"})
    hl_info(client, {"type": "allMids"})
    hl_info(client, {"type": "userRateLimit", "user": HL_USER_A})
    hl_info(client, {"type": "frontendOpenOrders", "user": HL_USER_A})
    kinds = [(e["venue"], e["endpoint"], e["kind"], e["status"]) for e in fresh_sandbox.requests()]
    assert kinds == [
        ("bitget", "query", "unfilled-orders", 200),
        ("bitget", "info", "tickers", 200),
        ("hyperliquid", "info", "allMids", 200),
        ("hyperliquid", "info", "userRateLimit", 200),
        ("hyperliquid", "query", "frontendOpenOrders", 200),
    ]
    assert len(fresh_sandbox.requests_where(kind="allMids")) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"venue": "bitget", "order": "1001", "size": "0.0005"}, "multiple of 0.001"),
        ({"venue": "bitget", "order": "1001", "size": "0.011"}, "exceeds the open qty 0.01"),
        ({"venue": "bitget", "order": "nope"}, "has no order 'nope'"),
        ({"venue": "bitget", "order": "9003"}, "is cancelled"),
        ({"venue": "hyperliquid", "order": 1000001, "size": "0.000001"}, "more than 5 decimals"),
        ({"venue": "hyperliquid", "order": "0x0000000a0000000000000000000000ff"}, "no order with cloid"),
        ({"venue": "hyperliquid", "order": 999}, "no oid 999"),
        ({"venue": "hyperliquid"}, "order: Field required"),
    ],
)
def test_fill_refuses_what_cannot_trade(fresh_sandbox: Sandbox, body: dict[str, Any], message: str) -> None:
    before = fresh_sandbox.state()
    response = httpx.post(f"{fresh_sandbox.url}/sandbox/fill", json=body)
    assert response.status_code == 400 and message in response.json()["error"], response.text
    assert fresh_sandbox.state() == before
