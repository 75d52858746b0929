"""BatchModifyOrdersOperator against the sandbox process, on Bitget."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.exchanges.bitget.client import BitgetClient
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox, load_seed_document
from tests.integration.conftest import RunOperator
from tests.support.between import after_planning
from tests.support.faults import answered_late
from tests.support.sandbox_state import bitget_orders, modify_requests


def ladder_edits(count: int, *, start: int = 1001, bump: str = "5") -> list[dict[str, Any]]:
    """Edits for the default seed's live ladder orders 1001.. (BTC 1001-1030, ETH 1031-1060)."""
    edits = []
    for order_id in range(start, start + count):
        btc = order_id <= 1030
        base = Decimal("59900") if btc else Decimal("2990")
        edits.append(
            {
                "orderId": str(order_id),
                "symbol": "BTCUSDT" if btc else "ETHUSDT",
                "category": "USDT-FUTURES",
                "price": str(base - (order_id - start) + Decimal(bump)),
            }
        )
    return edits


def assert_report_matches_sandbox(
    report: dict[str, Any], edits: list[dict[str, Any]], sandbox: Sandbox
) -> None:
    """Every edit exactly once, in order, and each 'modified' edit really is in the sandbox."""
    assert [e["index"] for e in report["edits"]] == list(range(len(edits)))
    orders = bitget_orders(sandbox)
    for entry, edit in zip(report["edits"], edits, strict=True):
        order = orders[edit["orderId"]]
        if entry["status"] == "modified":
            assert Decimal(order["price"]) == Decimal(edit["price"]), entry
            assert order["modifications"] == 1, entry
        else:
            assert order["modifications"] == 0, entry


def test_45_edits_go_out_as_20_20_5(run_operator: RunOperator, sandbox_conns: Sandbox) -> None:
    edits = ladder_edits(45)
    run = run_operator("bitget_default", edits)
    assert run.error is None
    assert run.report is not None
    assert run.report["totals"]["modified"] == 45
    assert sorted(r["items"] for r in modify_requests(sandbox_conns, "bitget")) == [5, 20, 20]
    assert_report_matches_sandbox(run.report, edits, sandbox_conns)


def test_order_listed_twice_goes_in_two_requests_in_input_order(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = ladder_edits(3)
    repeat = {**edits[0], "price": "59950"}
    run = run_operator("bitget_default", [*edits, repeat])
    assert run.error is None and run.report is not None
    requests = modify_requests(sandbox_conns, "bitget")
    assert [r["order_keys"] for r in requests] == [["1001", "1002", "1003"], ["1001"]]
    order = bitget_orders(sandbox_conns)["1001"]
    assert Decimal(order["price"]) == Decimal("59950")
    assert order["modifications"] == 2
    assert [e["status"] for e in run.report["edits"]] == ["modified"] * 4


def test_bad_edit_fails_the_task_before_any_request(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = ladder_edits(5)
    edits[3] = {**edits[3], "price": "59896.05"}  # off the 0.1 tick
    edits.append({"orderId": "1010", "price": "-1", "symbol": "BTCUSDT", "category": "USDT-FUTURES"})
    run = run_operator("bitget_default", edits)
    assert run.error is not None
    message = str(run.error)
    assert "edit #3" in message and "59896.05" in message
    assert "edit #5" in message and "price" in message
    assert modify_requests(sandbox_conns, "bitget") == []
    assert run.report is not None
    assert [e["status"] for e in run.report["edits"]] == ["not_sent"] * 3 + ["invalid", "not_sent", "invalid"]


def test_the_plan_settles_what_the_book_refuses(run_operator: RunOperator, sandbox_conns: Sandbox) -> None:
    edits = [
        *ladder_edits(2),
        {"orderId": "9002", "symbol": "BTCUSDT", "category": "USDT-FUTURES", "price": "59010"},  # filled
        {"orderId": "9004", "symbol": "BTCUSDT", "category": "USDT-FUTURES", "price": "62010"},  # reduce-only
        {"orderId": "9001", "symbol": "BTCUSDT", "category": "USDT-FUTURES", "qty": "0.030"},  # below filled
    ]
    run = run_operator("bitget_default", edits, on_invalid="skip")
    assert run.report is not None
    statuses = [(e["status"], e["message"]) for e in run.report["edits"]]
    assert statuses == [
        ("modified", None),
        ("modified", None),
        ("not_open", "order is filled"),
        ("invalid", "reduce-only orders cannot be modified on Bitget"),
        ("invalid", "qty 0.03 is below the 0.04 already filled"),
    ]
    assert run.error is not None  # invalid edits fail the task by default, after the report
    (call,) = modify_requests(sandbox_conns, "bitget")
    assert call["order_keys"] == ["1001", "1002"]
    assert_report_matches_sandbox(run.report, edits, sandbox_conns)


def test_venue_rejections_when_the_book_moves_after_planning(
    run_operator: RunOperator, sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    edits = [
        *ladder_edits(2),
        {"orderId": "9001", "symbol": "BTCUSDT", "category": "USDT-FUTURES", "qty": "0.060"},
    ]

    def trade() -> None:
        sandbox_conns.fill("bitget", "1001")  # filled before its edit arrives
        sandbox_conns.fill("bitget", "9001", "0.030")  # 0.070 filled now, above the new qty

    after_planning(monkeypatch, BitgetClient, trade)
    run = run_operator("bitget_default", edits)
    assert run.report is not None
    statuses = [(e["status"], e["code"]) for e in run.report["edits"]]
    assert statuses == [("rejected", "25568"), ("modified", None), ("rejected", "25568")]
    # Rejections fail the task by default, after the report was pushed to XCom.
    assert run.error is not None
    assert run.ti.xcoms["return_value"]["totals"]["rejected"] == 2
    orders = bitget_orders(sandbox_conns)
    assert [orders[i]["modifications"] for i in ("1001", "1002", "9001")] == [0, 1, 0]


@pytest.mark.parametrize(
    "fault",
    [
        {"fault": "http_500", "times": 2},
        {"fault": "http_429", "times": 2},
        {"fault": "drop_before", "times": 2},
        {"fault": "drop_after", "times": 2},
        {"fault": "bitget_code", "code": "40010", "after_apply": True, "times": 1},
        {"fault": "bitget_code", "code": "45001", "after_apply": False, "times": 1},
    ],
    ids=lambda f: f"{f['fault']}-{f.get('code', '')}",
)
def test_faults_leave_every_edit_reported_once_and_true(
    run_operator: RunOperator, sandbox_conns: Sandbox, fault: dict[str, Any]
) -> None:
    sandbox_conns.set_faults([{"venue": "bitget", "endpoint": "modify", **fault}])
    edits = ladder_edits(45)
    run = run_operator("bitget_default", edits)
    assert run.error is None, run.error
    assert run.report is not None
    assert run.report["totals"]["modified"] == 45
    assert_report_matches_sandbox(run.report, edits, sandbox_conns)
    assert sandbox_conns.fault_stats()["injected"]
    if fault["fault"] == "http_429":
        assert run.report["throttled_requests"] == 2


def test_read_timeout_after_the_exchange_acted_is_reconciled_not_resent(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    sandbox_conns.set_faults([answered_late("bitget", 1500)])
    edits = ladder_edits(5)
    run = run_operator("bitget_default", edits, request_timeout=0.5)
    assert run.error is None, run.error
    assert run.report is not None and run.report["totals"]["modified"] == 5
    assert [e["attempts"] for e in run.report["edits"]] == [1] * 5
    assert len(modify_requests(sandbox_conns, "bitget")) == 1
    assert run.report["reconciliations"] == 1
    assert_report_matches_sandbox(run.report, edits, sandbox_conns)


def test_outcome_that_stays_unknown_fails_the_task(
    run_operator: RunOperator, sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The answer is lost and the exchange cannot be asked either (once the plan has read the
    # book): nobody knows, so say so.
    faults: list[dict[str, Any]] = [
        {"venue": "bitget", "endpoint": "modify", "fault": "drop_after", "times": 1},
        {"venue": "bitget", "endpoint": "query", "fault": "http_500", "times": None},
    ]
    after_planning(monkeypatch, BitgetClient, lambda: sandbox_conns.set_faults(faults))
    edits = ladder_edits(3)
    run = run_operator("bitget_default", edits)
    assert run.report is not None
    assert [e["status"] for e in run.report["edits"]] == ["unknown"] * 3
    assert run.error is not None and "unknown=3" in str(run.error)
    # Nothing was resent: the one request the exchange applied stays the only one.
    assert len(modify_requests(sandbox_conns, "bitget")) == 1
    assert all(bitget_orders(sandbox_conns)[e["orderId"]]["modifications"] == 1 for e in edits)


def test_unknown_outcome_with_the_order_untouched_is_retried(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    sandbox_conns.set_faults(
        [{"venue": "bitget", "endpoint": "modify", "fault": "bitget_code", "code": "40725", "times": 1}]
    )
    edits = ladder_edits(4)
    run = run_operator("bitget_default", edits)
    assert run.error is None, run.error
    assert run.report is not None
    assert [e["attempts"] for e in run.report["edits"]] == [2] * 4
    assert_report_matches_sandbox(run.report, edits, sandbox_conns)


@pytest.mark.parametrize("auto_cancel", [None, "yes"], ids=["plain", "autoCancel"])
def test_server_error_after_applying_is_reconciled_before_any_resend(
    run_operator: RunOperator, sandbox_conns: Sandbox, auto_cancel: str | None
) -> None:
    # The venue applies the batch, then answers HTTP 500. Resent blind, every item would come
    # back "no change" (25571), and under autoCancel the venue would cancel the modified order.
    sandbox_conns.set_faults([{"venue": "bitget", "endpoint": "modify", "fault": "http_500_after"}])
    edits = ladder_edits(20)
    if auto_cancel is not None:
        edits = [{**edit, "autoCancel": auto_cancel} for edit in edits]
    run = run_operator("bitget_default", edits)
    assert run.error is None, run.error
    assert run.report is not None
    assert [(e["status"], e["reconciled"]) for e in run.report["edits"]] == [("modified", True)] * 20
    calls = [r for r in sandbox_conns.requests() if r["venue"] == "bitget" and r["endpoint"] != "info"]
    first_modify = next(i for i, r in enumerate(calls) if r["endpoint"] == "modify")
    assert calls[first_modify]["fault"] == "http_500_after"
    later_modifies = [i for i, r in enumerate(calls) if r["endpoint"] == "modify" and i > first_modify]
    reads_between = [r for r in calls[first_modify + 1 :] if r["endpoint"] == "query"]
    assert reads_between and reads_between[0]["kind"] == "unfilled-orders"
    assert all(any(r["endpoint"] == "query" for r in calls[first_modify + 1 : i]) for i in later_modifies)
    orders = bitget_orders(sandbox_conns)
    assert all(orders[e["orderId"]]["modifications"] == 1 for e in edits)
    assert all(orders[e["orderId"]]["status"] == "live" for e in edits)
    assert_report_matches_sandbox(run.report, edits, sandbox_conns)


def test_a_batch_refused_whole_for_one_item_is_split_not_halted(
    run_operator: RunOperator, sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # REST batch-modify documents no per-item codes: the venue may refuse the whole request with
    # the code of one item's problem. The other 19 must still be applied, the run not halted.
    sandbox_conns.configure(bitget_batch_errors="envelope")
    edits = ladder_edits(19)
    bad = {"orderId": "9001", "symbol": "BTCUSDT", "category": "USDT-FUTURES", "qty": "0.060"}
    edits.insert(13, bad)
    # After planning, a fill takes 9001 above the edit's qty: the venue refuses that item (25568).
    after_planning(monkeypatch, BitgetClient, lambda: sandbox_conns.fill("bitget", "9001", "0.030"))
    run = run_operator("bitget_default", edits)
    assert run.report is not None
    statuses = [(e["status"], e["code"]) for e in run.report["edits"]]
    assert statuses == [("modified", None)] * 13 + [("rejected", "25568")] + [("modified", None)] * 6
    assert run.error is not None and "rejected=1" in str(run.error)  # a rejection fails by default
    requests = modify_requests(sandbox_conns, "bitget")
    assert len(requests) <= 2 * math.ceil(math.log2(20)) + 2, [r["items"] for r in requests]
    assert requests[0]["items"] == 20 and requests[0]["status"] == 400
    orders = bitget_orders(sandbox_conns)
    assert [orders[e["orderId"]]["modifications"] for e in edits] == [1] * 13 + [0] + [1] * 6
    assert all(orders[e["orderId"]]["status"] == "live" for e in edits if e is not bad)


def _carrier(orders: dict[str, dict[str, Any]], order_id: str) -> dict[str, Any]:
    """The order that now carries ``order_id``'s place in the book (following replacements)."""
    order = orders[order_id]
    while order["replacedBy"] is not None:
        order = orders[order["replacedBy"]]
    return order


@pytest.mark.parametrize("fault", [None, "http_500_after"])
def test_a_modify_that_gives_the_order_a_new_id_is_followed(
    run_operator: RunOperator, sandbox_conns: Sandbox, fault: str | None
) -> None:
    sandbox_conns.configure(bitget_modify_new_order_id=True)
    if fault is not None:
        sandbox_conns.set_faults([{"venue": "bitget", "endpoint": "modify", "fault": fault}])
    edits = ladder_edits(20)
    run = run_operator("bitget_default", edits)
    assert run.error is None, run.error
    assert run.report is not None
    orders = bitget_orders(sandbox_conns)
    for entry, edit in zip(run.report["edits"], edits, strict=True):
        old, new = orders[edit["orderId"]], _carrier(orders, edit["orderId"])
        assert (old["status"], old["cancelReason"]) == ("cancelled", "modify_limit_order")
        assert (new["status"], new["clientOid"], new["modifications"]) == ("live", old["clientOid"], 1)
        assert Decimal(new["price"]) == Decimal(edit["price"])
        assert (entry["status"], entry["order_id"]) == ("modified", new["orderId"])
    # One request, never sent again (the fault's answer is settled from the book).
    (first, *rest) = modify_requests(sandbox_conns, "bitget")
    assert first["items"] == 20 and rest == []
    # The next run, still naming the old ids, finds every order where the book now has it.
    again = run_operator("bitget_default", edits)
    assert again.report is not None
    assert [(e["status"], e["order_id"]) for e in again.report["edits"]] == [
        ("unchanged", _carrier(orders, edit["orderId"])["orderId"]) for edit in edits
    ]
    moved = run_operator("bitget_default", [{**edits[0], "price": "59000"}, {**edits[0], "price": "58990"}])
    assert moved.error is None, moved.error
    assert moved.report is not None
    final = bitget_orders(sandbox_conns)
    carrier = _carrier(final, edits[0]["orderId"])
    assert (carrier["price"], carrier["modifications"]) == ("58990.0", 3)
    assert [e["order_id"] for e in moved.report["edits"]] == [carrier["replaces"], carrier["orderId"]]


def test_queued_modifications_that_give_new_ids_are_followed(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    # Accepted at once, applied 300 ms later under a new orderId: the answer can only name the old
    # id, so confirmation follows the clientOid, and an order's second edit the first's new id.
    sandbox_conns.configure(bitget_modify_new_order_id=True, bitget_apply_delay_ms=300)
    edits = ladder_edits(5)
    edits.append({**edits[0], "price": str(Decimal(edits[0]["price"]) - 10)})
    run = run_operator("bitget_default", edits)
    assert run.error is None, run.error
    assert run.report is not None
    orders = bitget_orders(sandbox_conns)
    carriers = [_carrier(orders, edit["orderId"]) for edit in edits]
    assert [e["status"] for e in run.report["edits"]] == ["modified"] * 6
    assert [e["order_id"] for e in run.report["edits"][1:5]] == [c["orderId"] for c in carriers[1:5]]
    assert (carriers[0]["modifications"], Decimal(carriers[0]["price"])) == (2, Decimal(edits[5]["price"]))
    assert run.report["edits"][5]["order_id"] == carriers[0]["orderId"]


def _seed_with(orders: dict[str, dict[str, Any]], **instrument: str) -> dict[str, Any]:
    """The default seed with some orders' fields and the BTCUSDT futures instrument's changed."""
    seed = load_seed_document(DEFAULT_SEED)
    for order in seed["bitget"]["orders"]:
        order.update(orders.get(order["orderId"], {}))
    btc = next(i for i in seed["bitget"]["instruments"] if i["symbol"] == "BTCUSDT")
    btc.update(instrument)
    return seed


def test_edits_the_market_would_refuse_are_invalid_and_nothing_is_sent(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    seed = _seed_with(
        {"1001": {"timeInForce": "post_only"}}, sellLimitPriceRatio="0.05", minOrderAmount="750"
    )
    sandbox_conns.reset(seed)
    base = {"symbol": "BTCUSDT", "category": "USDT-FUTURES"}
    edits = [
        {**base, "orderId": "1001", "price": "60000.1"},  # post-only buy at the best ask (60000.1)
        {**base, "orderId": "1016", "price": "56999.9"},  # sell below 60000 x (1 - 5%)
        {**base, "orderId": "1003", "price": "59000"},  # 59000 x the book's 0.012 = 708 < 750
        {**base, "orderId": "1004", "qty": "0.020"},  # 0.020 x the book's 59600 = 1192: fine
    ]
    run = run_operator("bitget_default", edits)
    assert run.error is not None and run.report is not None
    entries = run.report["edits"]
    assert [e["status"] for e in entries] == ["invalid", "invalid", "invalid", "not_sent"]
    assert "post-only buy at 60000.1 would cross the best ask 60000.1" in entries[0]["message"]
    assert "sell price 56999.9 is below the band limit 57000" in entries[1]["message"]
    assert "order value 708 (price x qty) is below the minimum 750" in entries[2]["message"]
    assert modify_requests(sandbox_conns, "bitget") == []
    assert all(order["modifications"] == 0 for order in bitget_orders(sandbox_conns).values())


def test_a_post_only_order_the_edit_made_cross_is_reported_cancelled(
    run_operator: RunOperator, sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox_conns.reset(_seed_with({"1001": {"timeInForce": "post_only"}}))
    edits = ladder_edits(2, bump="55")  # 1001 to 59955: below the best ask 60000.1 when planned
    # The market falls after planning: the best ask is 59900.1, and the new price takes.
    move = lambda: sandbox_conns.mark("bitget", "BTCUSDT", "59900.0", category="USDT-FUTURES")  # noqa: E731
    after_planning(monkeypatch, BitgetClient, move)
    run = run_operator("bitget_default", edits)
    assert run.report is not None
    first, second = run.report["edits"]
    assert (first["status"], second["status"]) == ("cancelled", "modified")
    assert "post_only_fill_cancel" in first["message"]
    assert run.error is not None and "cancelled=1" in str(run.error)
    order = bitget_orders(sandbox_conns)["1001"]
    assert (order["status"], order["cancelReason"]) == ("cancelled", "post_only_fill_cancel")
