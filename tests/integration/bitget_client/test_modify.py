"""BitgetClient on the sandbox: batches that modify the venue, and what the plan or the venue refuses."""

from __future__ import annotations

import copy
from decimal import Decimal

from airflow_batchmod.exchanges.base import Outcome, Quote
from airflow_batchmod.exchanges.bitget.client import BitgetClient
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.bitget_on_sandbox import SEED, as_given, prepared
from tests.support.sandbox_state import bitget_orders, modify_requests


def test_successful_batch_modifies_the_venue(client: BitgetClient, venue: Sandbox) -> None:
    edits = prepared(
        client,
        {"orderId": "1001", "price": "60010"},
        {"clientOid": "ladder-2", "price": 59910.5, "qty": "0.02"},
        {"orderId": 1003, "price": "3001.55", "symbol": "ETHUSDT"},
    )
    results = client.submit(edits)
    assert [(r.index, r.outcome, r.order_id) for r in results] == [
        (0, Outcome.APPLIED, "1001"),
        (1, Outcome.APPLIED, "1002"),
        (2, Outcome.APPLIED, "1003"),
    ]
    state = bitget_orders(venue)
    assert Decimal(state["1001"]["price"]) == Decimal("60010")
    assert (Decimal(state["1002"]["price"]), Decimal(state["1002"]["qty"])) == (
        Decimal("59910.5"),
        Decimal("0.02"),
    )
    assert Decimal(state["1003"]["price"]) == Decimal("3001.55")
    assert [state[i]["modifications"] for i in ("1001", "1002", "1003", "1004")] == [1, 1, 1, 0]
    (call,) = modify_requests(venue, "bitget")
    assert (call["status"], call["items"], call["order_keys"]) == (200, 3, ["1001", "ladder-2", "1003"])


#: Six edits the venue refuses, each for its own reason, and one it takes.
EDITS_THE_VENUE_REFUSES: tuple[dict[str, str], ...] = (
    {"orderId": "424242", "price": "60000.5"},  # no such order
    {"orderId": "9001", "price": "60000.5"},  # another account's order
    {"orderId": "1004", "price": "61000.5"},  # reduce-only
    {"orderId": "1005", "qty": "0.010"},  # below the 0.020 already filled
    {"orderId": "1001", "price": "60000"},  # same as now
    {"orderId": "1006", "price": "58000.5"},  # already filled
    {"orderId": "1002", "price": "59950"},  # fine
)


def test_plan_keeps_back_what_the_book_refuses(client: BitgetClient, venue: Sandbox) -> None:
    preparation = client.prepare(
        [{"symbol": "BTCUSDT", "category": "USDT-FUTURES", **fields} for fields in EDITS_THE_VENUE_REFUSES]
    )
    assert [(p.index, p.problems) for p in preparation.problems] == [
        (2, ("reduce-only orders cannot be modified on Bitget",)),
        (3, ("qty 0.01 is below the 0.02 already filled",)),
    ]
    assert [(s.index, s.status.value, s.before, s.message) for s in preparation.skipped] == [
        (0, "not_open", None, "Bitget does not know this order"),
        (1, "not_open", None, "Bitget does not know this order"),
        (4, "unchanged", Quote("60000", "0.01"), None),
        (5, "not_open", Quote("58000", "0.01"), "order is filled"),
    ]
    (edit,) = preparation.edits
    assert (edit.index, edit.before, edit.wanted) == (6, Quote("59900", "0.01"), Quote("59950", "0.01"))
    assert modify_requests(venue, "bitget") == []
    reads = [r["kind"] for r in venue.requests() if r["endpoint"] == "query"]
    # One open-orders page for BTCUSDT, order-info only for the three orders it does not list.
    assert sorted(reads) == ["order-info"] * 3 + ["unfilled-orders"]


def test_venue_refuses_edits_the_book_outran_after_planning(client: BitgetClient, venue: Sandbox) -> None:
    edits = prepared(
        client,
        {"orderId": "1001", "price": "60010"},
        {"orderId": "1005", "qty": "0.030"},
        {"orderId": "1002", "price": "59950"},
    )
    venue.fill("bitget", "1001")  # filled between planning and sending
    venue.fill("bitget", "1005", "0.020")  # now 0.040 of it is filled, more than the new qty
    results = client.submit(edits)
    assert [(r.outcome, r.code) for r in results] == [
        (Outcome.REJECTED, "25568"),
        (Outcome.REJECTED, "25568"),
        (Outcome.APPLIED, None),
    ]
    state = bitget_orders(venue)
    assert [state[i]["modifications"] for i in ("1001", "1005", "1002")] == [0, 0, 1]


def test_per_item_rejections(client: BitgetClient, venue: Sandbox) -> None:
    edits = as_given(*EDITS_THE_VENUE_REFUSES)
    results = client.submit(edits)
    assert [(r.outcome, r.code) for r in results] == [
        (Outcome.REJECTED, "25204"),
        (Outcome.REJECTED, "25204"),
        (Outcome.REJECTED, "25574"),
        (Outcome.REJECTED, "25568"),
        (Outcome.REJECTED, "25571"),
        (Outcome.REJECTED, "25568"),
        (Outcome.APPLIED, None),
    ]
    assert "filled qty" in (results[3].message or "")
    state = bitget_orders(venue)
    assert state["1002"]["modifications"] == 1
    assert all(state[i]["modifications"] == 0 for i in ("1001", "1004", "1005", "1006", "9001"))
    assert state["1004"]["status"] == "live"


def test_auto_cancel_cancels_the_order_whose_modification_failed(
    client: BitgetClient, venue: Sandbox
) -> None:
    (edit,) = as_given({"orderId": "1004", "price": "61000.5", "autoCancel": True})
    (result,) = client.submit([edit])
    # The refusal took the order off the book: the client reads it back and says so.
    assert (result.outcome, result.code) == (Outcome.CANCELLED, "25574")
    assert "autoCancel" in (result.message or "") and "modify_limit_order" in (result.message or "")
    order = bitget_orders(venue)["1004"]
    assert (order["status"], order["cancelReason"]) == ("cancelled", "modify_limit_order")
    # A refusal that cancels nothing (no such order) stays a rejection.
    (unknown,) = as_given({"orderId": "424242", "price": "61000.5", "autoCancel": True})
    assert [(r.outcome, r.code) for r in client.submit([unknown])] == [(Outcome.REJECTED, "25204")]


def test_precision_problems_are_caught_before_any_request(client: BitgetClient, venue: Sandbox) -> None:
    preparation = client.prepare(
        [
            {"orderId": "1001", "price": "60000.05", "symbol": "BTCUSDT", "category": "USDT-FUTURES"},
            {"orderId": "1002", "qty": "0.0005", "symbol": "BTCUSDT", "category": "USDT-FUTURES"},
            {"orderId": "1003", "qty": "501", "symbol": "ETHUSDT", "category": "USDT-FUTURES"},
            {"orderId": "1001", "price": "1", "symbol": "XRPUSDT", "category": "USDT-FUTURES"},
        ]
    )
    assert preparation.edits == []
    assert [p.problems for p in preparation.problems] == [
        ("price 60000.05 is not a multiple of the tick 0.1 for BTCUSDT",),
        (
            "qty 0.0005 is not a multiple of the step 0.001 for BTCUSDT",
            "qty 0.0005 is below the minimum 0.001 for BTCUSDT",
        ),
        ("qty 501 is above the maximum 500 for ETHUSDT",),
        ("symbol XRPUSDT is not a USDT-FUTURES instrument on Bitget",),
    ]
    calls = [entry for entry in venue.requests() if entry["venue"] == "bitget"]
    assert [entry["endpoint"] for entry in calls] == ["info"]  # one instruments read, no modify
    assert all(order["modifications"] == 0 for order in bitget_orders(venue).values())


def test_shuffled_items_are_matched_by_id(client: BitgetClient, venue: Sandbox) -> None:
    venue.configure(shuffle_bitget_items=True)
    edits = as_given(
        {"orderId": "1001", "price": "60010"},
        {"orderId": "424242", "price": "60010"},
        {"clientOid": "ladder-2", "price": "59910"},
        {"orderId": "1004", "price": "61000.5"},
    )
    for _ in range(3):
        venue.reset(copy.deepcopy(SEED))
        venue.configure(shuffle_bitget_items=True)
        results = client.submit(edits)
        assert [(r.outcome, r.code) for r in results] == [
            (Outcome.APPLIED, None),
            (Outcome.REJECTED, "25204"),
            (Outcome.APPLIED, None),
            (Outcome.REJECTED, "25574"),
        ]
