"""How BitgetClient reconciles edits left in doubt, from the open-orders list and order-info lookups."""

from __future__ import annotations

import httpx
import pytest

from airflow_batchmod.exchanges.base import Outcome
from airflow_batchmod.exchanges.bitget.client import BitgetClient
from tests.support.bitget_venue import THREE, Venue, fail, ok, order, outcomes, reply

# -- reconcile ---------------------------------------------------------------------------------


def test_reconcile_decisions(client: BitgetClient, venue: Venue) -> None:
    venue.order_info_for = {
        "1": [order(price="60010.0")],  # target in place (compared as decimals)
        "2": [order(qty="0.010", status="partially_filled")],  # live, not changed
        "ladder-3": [order(price="59990", status="filled", order_id="3")],  # target in place though filled
    }
    results = client.reconcile(THREE)
    assert outcomes(results) == [
        (0, Outcome.APPLIED, "1", None),
        (1, Outcome.RETRY, "1", None),
        (2, Outcome.APPLIED, "3", None),
    ]
    queries = [request.url.raw_path.decode() for request in venue.seen]
    assert queries[0] == "/api/v3/trade/unfilled-orders?category=USDT-FUTURES&limit=100&symbol=BTCUSDT"
    assert sorted(queries[1:]) == [
        "/api/v3/trade/order-info?clientOid=ladder-3",
        "/api/v3/trade/order-info?orderId=1",
        "/api/v3/trade/order-info?orderId=2",
    ]


def test_reconcile_settles_from_the_open_orders_list_first(
    client: BitgetClient, venue: Venue, caplog: pytest.LogCaptureFixture
) -> None:
    listed = [{"orderId": "1", "price": "60010", "qty": "0.01", "orderStatus": "live"}]
    listed.append({"orderId": "2", "price": "60000", "qty": "0.01", "orderStatus": "live"})
    venue.unfilled.append(reply(200, ok({"list": listed, "cursor": ""})))
    venue.order_info_for = {"ladder-3": [order(price="59990", status="filled", order_id="3")]}
    with caplog.at_level("INFO", logger="airflow_batchmod.exchanges.bitget.reconciliation"):
        results = client.reconcile(THREE)
    assert [r.outcome for r in results] == [Outcome.APPLIED, Outcome.RETRY, Outcome.APPLIED]
    assert [request.url.path.rsplit("/", 1)[-1] for request in venue.seen] == [
        "unfilled-orders",
        "order-info",
    ]
    assert (
        "reconciling 3 in-doubt edits: 2 settled from the open-orders list, 1 by order status" in caplog.text
    )


def test_reconcile_closed_and_unknown_orders(client: BitgetClient, venue: Venue) -> None:
    venue.order_info_for = {
        "1": [order(status="cancelled")],
        "2": [reply(400, ok(None, "25204", "Order does not exist"))],
        "ladder-3": [order(status="weird_state")],
    }
    first, second, third = client.reconcile(THREE)
    assert first.outcome is Outcome.REJECTED
    assert first.message == "order is cancelled with price 60000 qty 0.01; the edit was not applied"
    assert (second.outcome, second.code) == (Outcome.REJECTED, "25204")
    assert third.outcome is Outcome.UNKNOWN


def test_reconcile_retries_transient_reads_then_gives_up(client: BitgetClient, venue: Venue) -> None:
    venue.order_info_for = {
        "1": [
            reply(429, ok(None, "429", "Too Many Requests")),
            fail(httpx.ConnectError),
            order(price="60010"),
        ],
        "2": [reply(500, None), reply(502, text="bad gateway"), fail(httpx.ReadTimeout)],
    }
    first, second = client.reconcile(THREE[:2])
    assert first.outcome is Outcome.APPLIED
    assert second.outcome is Outcome.UNKNOWN
    assert "ReadTimeout" in (second.message or "")
    assert venue.order_info_for == {"1": [], "2": []}


def test_reconcile_stops_querying_after_auth_failure(client: BitgetClient, venue: Venue) -> None:
    venue.unfilled.append(reply(400, ok(None, "40012", "apikey/password is incorrect")))
    results = client.reconcile(THREE)
    assert [r.outcome for r in results] == [Outcome.UNKNOWN] * 3
    assert "40012" in (results[2].message or "")
    assert len(venue.seen) == 1  # the open-orders read; no order is asked about after it


def test_reconcile_unreadable_order_is_unknown(client: BitgetClient, venue: Venue) -> None:
    venue.order_info.append(reply(200, ok({"orderId": "1"})))
    (result,) = client.reconcile(THREE[:1])
    assert result.outcome is Outcome.UNKNOWN
