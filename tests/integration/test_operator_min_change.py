"""``min_change`` and ``skip_when_unchanged`` against the sandbox process, judged from the request log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.conftest import RunOperator
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders, modify_requests

BTC_TICK = Decimal("0.1")
SOL_TICK = Decimal("0.01")  # SOL at ~149: five significant figures


def bitget_moves(sandbox: Sandbox, moves: dict[str, Decimal]) -> list[dict[str, Any]]:
    """Edits moving each BTC ladder order by the given amount from where the sandbox has it."""
    orders = bitget_orders(sandbox)
    return [
        {
            "orderId": order_id,
            "symbol": "BTCUSDT",
            "category": "USDT-FUTURES",
            "price": str(Decimal(orders[order_id]["price"]) + move),
        }
        for order_id, move in moves.items()
    ]


def sol_moves(sandbox: Sandbox, moves: dict[int, Decimal]) -> list[dict[str, Any]]:
    """Edits moving each SOL order of account A by the given amount, keeping its size."""
    orders = hyperliquid_orders(sandbox)
    return [
        {
            "oid": oid,
            "coin": "SOL",
            "is_buy": orders[oid]["side"] == "B",
            "price": str(Decimal(orders[oid]["limitPx"]) + move),
            "size": orders[oid]["sz"],
        }
        for oid, move in moves.items()
    ]


def test_bitget_one_tick_stays_unchanged_and_two_ticks_go(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = bitget_moves(sandbox_conns, {"1001": BTC_TICK, "1002": -2 * BTC_TICK})
    run = run_operator("bitget_default", edits, min_change={"ticks": 1})
    assert run.error is None and run.report is not None
    small, large = run.report["edits"]
    assert small["status"] == "unchanged"
    assert "within tolerance" in small["message"] and "1 ticks of 0.1" in small["message"]
    assert large["status"] == "modified"
    assert [r["order_keys"] for r in modify_requests(sandbox_conns, "bitget")] == [["1002"]]
    assert bitget_orders(sandbox_conns)["1001"]["modifications"] == 0


def test_hyperliquid_one_tick_stays_unchanged_with_no_request(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = sol_moves(sandbox_conns, {1000037: SOL_TICK, 1000038: -SOL_TICK})
    run = run_operator("hyperliquid_default", edits, min_change='{"ticks": 1, "lots": 0}')
    assert run.error is None and run.report is not None
    assert [e["status"] for e in run.report["edits"]] == ["unchanged", "unchanged"]
    assert all("within tolerance" in e["message"] for e in run.report["edits"])
    assert modify_requests(sandbox_conns, "hyperliquid") == []
    assert hyperliquid_orders(sandbox_conns)[1000037]["replacedBy"] is None


def test_hyperliquid_two_ticks_are_sent(run_operator: RunOperator, sandbox_conns: Sandbox) -> None:
    edits = sol_moves(sandbox_conns, {1000037: 2 * SOL_TICK})
    run = run_operator("hyperliquid_default", edits, min_change={"ticks": 1})
    assert run.error is None and run.report is not None
    assert run.report["edits"][0]["status"] == "modified"
    assert len(modify_requests(sandbox_conns, "hyperliquid")) == 1


def test_without_min_change_one_tick_is_sent(run_operator: RunOperator, sandbox_conns: Sandbox) -> None:
    run = run_operator("bitget_default", bitget_moves(sandbox_conns, {"1001": BTC_TICK}))
    assert run.error is None and run.report is not None
    assert run.report["edits"][0]["status"] == "modified"
    assert len(modify_requests(sandbox_conns, "bitget")) == 1


def test_bps_bounds_price_moves(run_operator: RunOperator, sandbox_conns: Sandbox) -> None:
    # 1 bp of ~59900 is ~5.99: a move of 5 is within, one of 7 is not.
    edits = bitget_moves(sandbox_conns, {"1001": Decimal(5), "1002": Decimal(-7)})
    run = run_operator("bitget_default", edits, min_change={"bps": 1})
    assert run.error is None and run.report is not None
    assert [e["status"] for e in run.report["edits"]] == ["unchanged", "modified"]
    assert [r["order_keys"] for r in modify_requests(sandbox_conns, "bitget")] == [["1002"]]


def test_skip_when_unchanged_skips_after_pushing_the_report(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = bitget_moves(sandbox_conns, {"1001": BTC_TICK, "1002": Decimal(0)})
    run = run_operator("bitget_default", edits, min_change={"ticks": 1}, skip_when_unchanged=True)
    assert isinstance(run.error, AirflowSkipException)
    assert run.report is not None and run.report["totals"]["unchanged"] == 2
    assert modify_requests(sandbox_conns, "bitget") == []


def test_skip_when_unchanged_runs_normally_when_something_changed(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = bitget_moves(sandbox_conns, {"1001": Decimal(0), "1002": BTC_TICK})
    run = run_operator("bitget_default", edits, skip_when_unchanged=True)
    assert run.error is None and run.report is not None
    assert run.report["totals"]["modified"] == 1


def test_bad_templated_min_change_fails_before_sending(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = bitget_moves(sandbox_conns, {"1001": Decimal(5)})
    run = run_operator("bitget_default", edits, min_change='{"ticks": -1}')
    assert isinstance(run.error, AirflowFailException)
    assert "min_change ticks must be a finite number of at least 0" in str(run.error)
    assert sandbox_conns.requests() == []


def test_bad_min_change_dict_fails_the_dag_file() -> None:
    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

    with pytest.raises(ValueError, match="either ticks and/or lots, or bps alone"):
        BatchModifyOrdersOperator(task_id="t", conn_id="c", edits=[], min_change={"ticks": 1, "bps": 2})
