"""BatchModifyOrdersOperator against the sandbox process, on Hyperliquid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.conftest import RunOperator
from tests.support.edits import sol_edits
from tests.support.faults import answered_late
from tests.support.sandbox_state import hyperliquid_orders, modify_requests

ACCOUNT_A = "0x14791697260e4c9a71f18484c9f997b308e59325"


def assert_report_matches_sandbox(
    report: dict[str, Any], edits: list[dict[str, Any]], sandbox: Sandbox
) -> None:
    """Every edit once, in order; reported new oids are the sandbox's replacements; nothing replaced twice."""
    assert [e["index"] for e in report["edits"]] == list(range(len(edits)))
    orders = hyperliquid_orders(sandbox)
    for entry, edit in zip(report["edits"], edits, strict=True):
        old = orders[edit["oid"]]
        if entry["status"] == "modified":
            assert old["status"] == "canceled" and old["replacedBy"] == int(entry["order_id"]), entry
            new = orders[int(entry["order_id"])]
            assert new["status"] == "open" and new["replacedBy"] is None, entry
            assert Decimal(new["limitPx"]) == Decimal(edit["price"])
        else:
            assert old["replacedBy"] is None, entry


def test_batch_reports_new_oids(run_operator: RunOperator, sandbox_conns: Sandbox) -> None:
    edits = sol_edits(12)
    run = run_operator("hyperliquid_default", edits)
    assert run.error is None, run.error
    assert run.report is not None and run.report["totals"]["modified"] == 12
    assert all(e["order_id"] != str(edit["oid"]) for e, edit in zip(run.report["edits"], edits, strict=True))
    assert_report_matches_sandbox(run.report, edits, sandbox_conns)


def test_repeated_order_follows_its_replacement(run_operator: RunOperator, sandbox_conns: Sandbox) -> None:
    edits = sol_edits(2)
    again = {**edits[0], "price": "148"}
    run = run_operator("hyperliquid_default", [*edits, again])
    assert run.error is None, run.error
    assert run.report is not None
    first, _, second = run.report["edits"]
    orders = hyperliquid_orders(sandbox_conns)
    # The second edit named oid 1000037, which the first replaced: it went to the replacement.
    assert orders[int(first["order_id"])]["replacedBy"] == int(second["order_id"])
    assert Decimal(orders[int(second["order_id"])]["limitPx"]) == Decimal("148")
    assert [len(r["order_keys"]) for r in modify_requests(sandbox_conns, "hyperliquid")] == [2, 1]


def test_off_tick_price_and_size_decimals_refused_before_sending(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = sol_edits(3)
    edits[1] = {**edits[1], "price": "148.12345"}  # SOL allows 6 - 2 = 4 decimals
    edits[2] = {**edits[2], "size": "0.001"}  # SOL sizes have 2 decimals
    run = run_operator("hyperliquid_default", edits)
    assert run.error is not None
    assert "edit #1" in str(run.error) and "edit #2" in str(run.error)
    assert modify_requests(sandbox_conns, "hyperliquid") == []


@pytest.mark.parametrize(
    "fault",
    [
        {"fault": "http_500", "times": 1},
        {"fault": "http_500_after", "times": 1},
        {"fault": "http_429", "times": 2},
        {"fault": "drop_before", "times": 1},
        {"fault": "drop_after", "times": 2},
    ],
    ids=lambda f: str(f["fault"]),
)
def test_faults_leave_every_edit_reported_once_and_true(
    run_operator: RunOperator, sandbox_conns: Sandbox, fault: dict[str, Any]
) -> None:
    sandbox_conns.set_faults([{"venue": "hyperliquid", "endpoint": "modify", **fault}])
    edits = sol_edits(16)
    run = run_operator("hyperliquid_default", edits, chunk_size=5)
    assert run.error is None, run.error
    assert run.report is not None and run.report["totals"]["modified"] == 16
    assert_report_matches_sandbox(run.report, edits, sandbox_conns)
    assert sandbox_conns.fault_stats()["injected"]


def test_read_timeout_after_the_exchange_acted_finds_the_new_oid(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    sandbox_conns.set_faults([answered_late("hyperliquid", 1500)])
    edits = sol_edits(4)
    run = run_operator("hyperliquid_default", edits, request_timeout=0.5)
    assert run.error is None, run.error
    assert run.report is not None
    assert [e["attempts"] for e in run.report["edits"]] == [1] * 4
    assert len(modify_requests(sandbox_conns, "hyperliquid")) == 1
    assert_report_matches_sandbox(run.report, edits, sandbox_conns)


def test_outcome_that_stays_unknown_fails_the_task(run_operator: RunOperator, sandbox_conns: Sandbox) -> None:
    sandbox_conns.set_faults(
        [
            {"venue": "hyperliquid", "endpoint": "modify", "fault": "http_500_after", "times": 1},
            # Let validation read the open orders once; every later question goes unanswered.
            {"venue": "hyperliquid", "endpoint": "query", "fault": "latency", "latency_ms": 0, "times": 1},
            {"venue": "hyperliquid", "endpoint": "query", "fault": "drop_before", "times": None},
        ]
    )
    edits = sol_edits(3)
    run = run_operator("hyperliquid_default", edits)
    assert run.report is not None
    assert [e["status"] for e in run.report["edits"]] == ["unknown"] * 3
    assert run.error is not None
    assert len(modify_requests(sandbox_conns, "hyperliquid")) == 1


#: A post-only BTC edit that rests below the sandbox's 60000 mark when planned.
BTC_ALO_EDIT = {
    "oid": 1000006,
    "coin": "BTC",
    "is_buy": True,
    "price": "59950",
    "size": "0.001",
    "order_type": {"limit": {"tif": "Alo"}},
}


def test_a_post_only_edit_that_crosses_is_invalid_and_nothing_is_sent(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    run = run_operator("hyperliquid_default", [{**BTC_ALO_EDIT, "price": "60010"}])
    assert run.error is not None and "best ask 60000" in str(run.error)
    assert modify_requests(sandbox_conns, "hyperliquid") == []
    assert hyperliquid_orders(sandbox_conns)[1000006]["status"] == "open"


@pytest.mark.parametrize("mode", ["cancels_original", "keeps_original"])
def test_the_book_moves_between_plan_and_send(
    run_operator: RunOperator, sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """The plan sees a post-only price below the mark; the market then falls through it, so the
    venue refuses the new order. Cancelling first, it has taken the original off the book."""
    from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient

    sandbox_conns.configure(hyperliquid_failed_modify=mode)
    planned = HyperliquidClient.prepare

    def plan_then_the_market_moves(client: HyperliquidClient, raw: Any) -> Any:
        preparation = planned(client, raw)
        sandbox_conns.mark("hyperliquid", "BTC", "59900")
        return preparation

    monkeypatch.setattr(HyperliquidClient, "prepare", plan_then_the_market_moves)
    run = run_operator("hyperliquid_default", [BTC_ALO_EDIT])
    assert run.error is not None  # cancelled and rejected both fail the task
    assert run.report is not None
    (entry,) = run.report["edits"]
    original = hyperliquid_orders(sandbox_conns)[1000006]
    assert len(modify_requests(sandbox_conns, "hyperliquid")) == 1
    assert entry["before"] is not None and entry["after"] is None
    assert "Post only order would have immediately matched" in entry["message"]
    if mode == "cancels_original":
        assert entry["status"] == "cancelled" and run.report["totals"]["cancelled"] == 1
        assert (original["status"], original["replacedBy"]) == ("canceled", None)
    else:
        assert entry["status"] == "rejected"
        assert original["status"] == "open"


def test_always_place_reports_what_the_original_filled_during_the_modify(
    run_operator: RunOperator, sandbox_conns: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """The market trades the whole original just before the modify: with always_place the venue
    places the replacement anyway, so the account holds the fill and the new order."""
    sandbox_conns.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "fill_before_apply"}])
    edit = {
        "oid": 1000008,
        "coin": "BTC",
        "is_buy": True,
        "price": "59210",
        "size": "0.001",
        "always_place": True,
    }
    run = run_operator("hyperliquid_default", [edit])
    assert run.report is not None
    (entry,) = run.report["edits"]
    orders = hyperliquid_orders(sandbox_conns)
    assert orders[1000008]["status"] == "filled"
    assert entry["status"] == "modified" and orders[int(entry["order_id"])]["status"] == "open"
    assert entry["original_filled"] == entry["before"]["size"] == "0.001"
    assert "exposure exceeds" in entry["message"]
    assert any(r.levelname == "WARNING" and "exposure exceeds" in r.getMessage() for r in caplog.records)


def test_without_always_place_a_filled_original_is_not_placed_again(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    sandbox_conns.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "fill_before_apply"}])
    edit = {"oid": 1000008, "coin": "BTC", "is_buy": True, "price": "59210", "size": "0.001"}
    run = run_operator("hyperliquid_default", [edit])
    assert run.report is not None
    (entry,) = run.report["edits"]
    assert entry["status"] == "rejected" and entry["original_filled"] is None
    assert "Cannot modify canceled or filled order" in entry["message"]
    assert [o for o in hyperliquid_orders(sandbox_conns).values() if o["replaces"] == 1000008] == []
