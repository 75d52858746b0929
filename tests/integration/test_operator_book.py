"""The operator plans against the book and confirms against it, judged from the sandbox's side:
its request log (what was sent, how many reads) and its order state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.conftest import RunOperator
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders, modify_requests

HL_USER = "0x14791697260e4c9a71f18484c9f997b308e59325"


def bitget_edits(first: int, last: int, bump: str = "-5") -> list[dict[str, Any]]:
    """Edits of the default seed's BTC (1001-1030) and ETH (1031-1050) futures ladder."""
    edits = []
    for order_id in range(first, last + 1):
        btc = order_id <= 1030
        edits.append(
            {
                "orderId": str(order_id),
                "symbol": "BTCUSDT" if btc else "ETHUSDT",
                "category": "USDT-FUTURES",
                "price": str(Decimal("59000" if btc else "2900") - order_id % 100 + Decimal(bump)),
            }
        )
    return edits


def hyperliquid_edits(sandbox: Sandbox, oids: range) -> list[dict[str, Any]]:
    """Move account A's resting SOL orders 0.5 further from the mark, by cloid when they have one."""
    orders = hyperliquid_orders(sandbox)
    edits = []
    for oid in oids:
        order = orders[oid]
        buy = order["side"] == "B"
        price = Decimal(order["limitPx"]) + (Decimal("-0.5") if buy else Decimal("0.5"))
        target = {"cloid": order["cloid"]} if order["cloid"] else {"oid": oid}
        edits.append({**target, "coin": "SOL", "is_buy": buy, "price": str(price), "size": order["sz"]})
    return edits


def canonical(value: str) -> str:
    return format(Decimal(value).normalize(), "f")


def quote(price: str, size: str) -> dict[str, str]:
    return {"price": canonical(price), "size": canonical(size)}


def statuses(report: dict[str, Any]) -> list[str]:
    return [entry["status"] for entry in report["edits"]]


def reads(sandbox: Sandbox, venue: str) -> dict[str, int]:
    counted: dict[str, int] = {}
    for call in sandbox.requests():
        if call["venue"] == venue and call["endpoint"] == "query":
            counted[call["kind"]] = counted.get(call["kind"], 0) + 1
    return counted


# -- unchanged ------------------------------------------------------------------------------------


def test_bitget_resending_the_same_edits_changes_nothing(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = bitget_edits(1001, 1050)  # BTC and ETH futures: two listings
    first = run_operator("bitget_default", edits)
    assert first.error is None, first.error
    assert statuses(first.report or {}) == ["modified"] * 50
    state = bitget_orders(sandbox_conns)
    sandbox_conns.clear_requests()

    again = run_operator("bitget_default", edits)
    assert again.error is None, again.error
    report = again.report or {}
    assert statuses(report) == ["unchanged"] * 50
    assert modify_requests(sandbox_conns, "bitget") == []
    # One open-orders page per (category, symbol); no order asked about one by one.
    assert reads(sandbox_conns, "bitget") == {"unfilled-orders": 2}
    for entry, edit in zip(report["edits"], edits, strict=True):
        order = state[edit["orderId"]]
        assert entry["before"] == entry["after"] == quote(order["price"], order["qty"])
        assert Decimal(order["price"]) == Decimal(edit["price"])
    assert bitget_orders(sandbox_conns) == state


def test_hyperliquid_resending_the_same_edits_changes_nothing(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = hyperliquid_edits(sandbox_conns, range(1000037, 1000053))
    first = run_operator("hyperliquid_default", edits)
    assert first.error is None, first.error
    assert statuses(first.report or {}) == ["modified"] * 16
    state = hyperliquid_orders(sandbox_conns)
    # Confirmed against the book: ``after`` is the replacement order as the sandbox holds it.
    for entry, edit in zip((first.report or {})["edits"], edits, strict=True):
        replacement = state[int(entry["order_id"])]
        assert (
            entry["after"]
            == quote(replacement["limitPx"], replacement["sz"])
            == quote(edit["price"], edit["size"])
        )
    sandbox_conns.clear_requests()

    # The second run addresses the same orders: by cloid, or by their new oid when they have none.
    replaced = {
        int(entry["order_id"]): edit for entry, edit in zip((first.report or {})["edits"], edits, strict=True)
    }
    again_edits = [
        edit if "cloid" in edit else {**edit, "oid": new_oid} for new_oid, edit in replaced.items()
    ]
    again = run_operator("hyperliquid_default", again_edits)
    assert again.error is None, again.error
    assert statuses(again.report or {}) == ["unchanged"] * 16
    assert modify_requests(sandbox_conns, "hyperliquid") == []
    assert reads(sandbox_conns, "hyperliquid") == {"frontendOpenOrders": 1}
    for entry, new_oid in zip((again.report or {})["edits"], replaced, strict=True):
        order = state[new_oid]
        assert entry["before"] == entry["after"] == quote(order["limitPx"], order["sz"])
        assert entry["order_id"] == str(new_oid)
    assert hyperliquid_orders(sandbox_conns) == state


def test_hyperliquid_a_real_change_besides_price_and_size_is_sent(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    (edit,) = hyperliquid_edits(sandbox_conns, range(1000037, 1000038))
    first = run_operator("hyperliquid_default", [edit])
    assert first.error is None, first.error
    sandbox_conns.clear_requests()
    # Same price and size, but the order is to become reduce-only: that is a change.
    again = run_operator("hyperliquid_default", [{**edit, "reduce_only": True}])
    report = again.report or {}
    assert [len(modify_requests(sandbox_conns, "hyperliquid"))] == [1]
    assert statuses(report) != ["unchanged"]


# -- not open ---------------------------------------------------------------------------------------


def test_bitget_orders_filled_or_cancelled_before_the_run_are_not_open(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = bitget_edits(1001, 1006)
    sandbox_conns.fill("bitget", "1002")
    sandbox_conns.fill("bitget", "ladder-5")  # by clientOid
    edits.append(
        {"orderId": "9003", "symbol": "ETHUSDT", "category": "USDT-FUTURES", "price": "3000"}
    )  # cancelled
    run = run_operator("bitget_default", edits)
    assert run.error is None, run.error
    report = run.report or {}
    assert statuses(report) == [
        "modified",
        "not_open",
        "modified",
        "modified",
        "not_open",
        "modified",
        "not_open",
    ]
    assert [report["edits"][i]["message"] for i in (1, 4, 6)] == [
        "order is filled",
        "order is filled",
        "order is cancelled",
    ]
    (call,) = modify_requests(sandbox_conns, "bitget")
    assert call["order_keys"] == ["1001", "1003", "1004", "1006"]
    state = bitget_orders(sandbox_conns)
    assert [state[i]["modifications"] for i in ("1001", "1002", "1003", "1005", "9003")] == [1, 0, 1, 0, 0]
    # The listing shows the open ones; only the three closed orders were asked about.
    order_info = [r for r in sandbox_conns.requests() if r.get("kind") == "order-info"]
    assert sorted(r["order_keys"][0] for r in order_info) == ["1002", "1005", "9003"]


def test_hyperliquid_orders_filled_before_the_run_are_not_open(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = hyperliquid_edits(sandbox_conns, range(1000037, 1000041))
    sandbox_conns.fill("hyperliquid", "1000038")
    run = run_operator("hyperliquid_default", edits)
    assert run.error is None, run.error
    report = run.report or {}
    assert statuses(report) == ["modified", "not_open", "modified", "modified"]
    assert report["edits"][1]["message"].endswith("is filled")
    (call,) = modify_requests(sandbox_conns, "hyperliquid")
    assert call["items"] == 3
    assert hyperliquid_orders(sandbox_conns)[1000038]["replacedBy"] is None


# -- dry run ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("conn_id", ["bitget_default", "hyperliquid_default"])
def test_dry_run_reads_the_book_and_sends_nothing(
    run_operator: RunOperator, sandbox_conns: Sandbox, conn_id: str
) -> None:
    venue = conn_id.split("_")[0]
    if venue == "bitget":
        edits = bitget_edits(1001, 1004)
        state = bitget_orders(sandbox_conns)
        before = [quote(state[e["orderId"]]["price"], state[e["orderId"]]["qty"]) for e in edits]
    else:
        edits = hyperliquid_edits(sandbox_conns, range(1000037, 1000041))
        orders = hyperliquid_orders(sandbox_conns)
        before = [quote(orders[oid]["limitPx"], orders[oid]["sz"]) for oid in range(1000037, 1000041)]
    snapshot = sandbox_conns.state()
    run = run_operator(conn_id, edits, dry_run=True)
    assert run.error is None, run.error
    report = run.report or {}
    assert statuses(report) == ["would_modify"] * 4
    assert [entry["before"] for entry in report["edits"]] == before
    assert modify_requests(sandbox_conns, venue) == []
    assert sandbox_conns.state() == snapshot


# -- asynchronous Bitget ----------------------------------------------------------------------------


def test_bitget_queued_modifications_are_confirmed_against_the_book(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = bitget_edits(1001, 1045)  # three requests: 20, 20, 5
    start = bitget_orders(sandbox_conns)
    sandbox_conns.configure(bitget_apply_delay_ms=300)
    # The first order of two requests trades away while its modification waits in the queue.
    sandbox_conns.set_faults(
        [{"venue": "bitget", "endpoint": "modify", "fault": "fill_before_apply", "times": 2}]
    )
    run = run_operator("bitget_default", edits, confirm_timeout=10.0)
    report = run.report or {}
    state = bitget_orders(sandbox_conns)
    filled = {
        id_
        for id_, order in state.items()
        if order["status"] == "filled" and id_ in {e["orderId"] for e in edits}
    }
    assert len(filled) == 2
    for entry, edit in zip(report["edits"], edits, strict=True):
        order, was = state[edit["orderId"]], start[edit["orderId"]]
        assert entry["before"] == quote(was["price"], was["qty"])
        if edit["orderId"] in filled:
            assert entry["status"] == "rejected", entry
            assert Decimal(order["price"]) == Decimal(was["price"])  # the edit never took effect
        else:
            assert entry["status"] == "modified", entry
            assert Decimal(order["price"]) == Decimal(edit["price"])
            assert entry["after"] == quote(order["price"], order["qty"])
    assert run.error is not None  # the rejections fail the task by default
    # The book is read in pages; only the filled orders (gone from the list) are asked about.
    asked = {r["order_keys"][0] for r in sandbox_conns.requests() if r.get("kind") == "order-info"}
    assert asked == filled
