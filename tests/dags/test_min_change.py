"""``min_change`` through a real DAG run: the ladder example's templated parameter."""

from __future__ import annotations

from typing import Any

from airflow_batchmod.testing.sandbox import Sandbox


def test_a_ladder_run_within_tolerance_sends_nothing(run_dag: Any, sandbox: Sandbox) -> None:
    # 100 % of price and size: every rung's move is within it.
    result = run_dag("batchmod_rebalance_ladder", {"conn_id": "bitget_default", "min_change": {"bps": 10000}})
    report = result.report("apply_edits")
    assert report["totals"]["unchanged"] == report["totals"]["edits"] == 30
    assert all(
        entry["message"].startswith("within tolerance (min_change 10000 bps)") for entry in report["edits"]
    )
    assert sandbox.requests_where(venue="bitget", endpoint="modify") == []
