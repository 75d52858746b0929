"""Every DAG in dags_examples/ runs end to end with `airflow dags test` against the sandbox."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from airflow_batchmod.testing.dags import run_dag_test
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox
from tests.dags.conftest import DAGS_FOLDER
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders
from tests.support.stores import journal_in


def dag_ids_in_folder() -> set[str]:
    """The dag_id literals of every DAG file, read without importing Airflow."""
    ids = set()
    for path in DAGS_FOLDER.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "dag_id"
                and isinstance(node.value, ast.Constant)
            ):
                ids.add(str(node.value.value))
    return ids


def dag_ids_run_here() -> set[str]:
    """The dag_ids the DAG tests run: ``run_dag("...")`` calls and ``DAG_ID = "..."`` constants of
    the modules in this folder, read from their source."""
    ids = set()
    for path in Path(__file__).parent.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "run_dag"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                ids.add(str(node.args[0].value))
            if (
                isinstance(node, ast.Assign)
                and [getattr(target, "id", None) for target in node.targets] == ["DAG_ID"]
                and isinstance(node.value, ast.Constant)
            ):
                ids.add(str(node.value.value))
    return ids


def test_every_example_dag_has_a_test() -> None:
    """A DAG added to dags_examples/ without a run here fails this test."""
    in_folder = dag_ids_in_folder()
    assert in_folder, f"no dag_id found in {DAGS_FOLDER}"
    assert in_folder <= dag_ids_run_here()


def test_rebalance_ladder_on_bitget_then_the_asset_summary(run_dag: Any, sandbox: Sandbox) -> None:
    result = run_dag("batchmod_rebalance_ladder", {"conn_id": "bitget_default"})
    report = result.report("apply_edits")
    edits = result.report("compute_edits")
    assert report["exchange"] == "bitget"
    assert report["totals"]["modified"] == len(edits) == 30
    # Rungs are named by clientOid (unique per account), which survives a modify on Bitget.
    orders = {o["clientOid"]: o for o in bitget_orders(sandbox, "1001").values()}
    for edit, entry in zip(edits, report["edits"], strict=True):
        order = orders[edit["clientOid"]]
        assert entry["status"] == "modified" and entry["order_id"] == order["orderId"]
        assert Decimal(order["price"]) == Decimal(edit["price"])
        assert Decimal(order["qty"]) == Decimal(edit["qty"])
        assert order["modifications"] == 1
    # The downstream task had the whole report, one status per order.
    assert result.report("report_orders") == {f"clientOid:{edit['clientOid']}": "modified" for edit in edits}
    # The finished try's journal settles every edit, so clearing this task would send nothing.
    journal = journal_in(result.state_store("apply_edits"))
    assert set(journal.settled) == set(range(30)) and journal.in_doubt == set()

    # The apply task's asset event carried the totals; the DAG scheduled on the asset reads the
    # newest event (this run's, not an earlier test's) into one line.
    summary = run_dag("batchmod_account_summary")
    assert summary.report("summarise_latest") == (
        f"bitget_default on bitget rebalanced: 30 modified (30 edits, {report['requests']} requests, "
        f"{report['duration_seconds']} s; run {result.run_id})"
    )


def test_rebalance_ladder_on_hyperliquid_by_changing_only_conn_id(run_dag: Any, sandbox: Sandbox) -> None:
    result = run_dag("batchmod_rebalance_ladder", {"conn_id": "hyperliquid_default"})
    report = result.report("apply_edits")
    edits = result.report("compute_edits")
    assert report["exchange"] == "hyperliquid"
    assert report["totals"]["modified"] == len(edits) == 20
    orders = hyperliquid_orders(sandbox)
    seeded = {order["cloid"]: order for order in orders.values() if order["replaces"] is None}
    for edit, entry in zip(edits, report["edits"], strict=True):
        assert entry["order"] == f"cloid:{edit['cloid']}"
        old = seeded[edit["cloid"]]
        new = orders[int(entry["order_id"])]
        assert old["status"] == "canceled" and old["replacedBy"] == new["oid"]
        # The replacement keeps the cloid: the next run finds the rung by the same id.
        assert new["status"] == "open" and new["cloid"] == edit["cloid"]
        assert Decimal(new["limitPx"]) == Decimal(edit["price"])
        assert Decimal(new["sz"]) == Decimal(edit["size"])


def test_multi_account_fanout_across_both_exchanges(run_dag: Any, sandbox: Sandbox) -> None:
    result = run_dag("batchmod_multi_account_fanout")
    mapped = sorted(key for key in result.task_states if key[0] in ("apply_bitget", "apply_hyperliquid"))
    assert len(mapped) == 4
    assert all(result.task_states[key] == "success" for key in mapped)
    summary = result.report("summarise")
    assert set(summary) == {"bitget_default", "bitget_second", "hyperliquid_default", "hyperliquid_second"}
    assert {conn_id: totals["modified"] for conn_id, totals in summary.items()} == {
        "bitget_default": 3,
        "bitget_second": 10,
        "hyperliquid_default": 4,
        "hyperliquid_second": 3,
    }
    assert Decimal(bitget_orders(sandbox)["2001"]["qty"]) == Decimal("0.030")
    assert hyperliquid_orders(sandbox)[1000201]["status"] == "canceled"


def test_hyperliquid_requote_records_new_oids(run_dag: Any, sandbox: Sandbox) -> None:
    result = run_dag("batchmod_hyperliquid_requote")
    report = result.report("apply_edits")
    assert report["totals"]["modified"] == 6
    new_oids = result.report("record_new_oids")
    state = sandbox.state()["hyperliquid"]["orders"]
    open_by_cloid = {o["cloid"]: o for o in state if o["status"] == "open" and o["cloid"]}
    for order, oid in new_oids.items():
        cloid = order.split(":", 1)[1]
        # The replacement kept the cloid, so the strategy's ids stay stable.
        assert open_by_cloid[cloid]["oid"] == int(oid)
        assert open_by_cloid[cloid]["replaces"] is not None


@pytest.mark.parametrize(
    ("dag_id", "conf"),
    [
        ("batchmod_rebalance_ladder", {"conn_id": "bitget_default"}),
        ("batchmod_rebalance_ladder", {"conn_id": "hyperliquid_default"}),
        ("batchmod_multi_account_fanout", None),
        ("batchmod_hyperliquid_requote", None),
    ],
    ids=["ladder-bitget", "ladder-hyperliquid", "fanout", "requote"],
)
def test_an_example_dag_runs_again_on_the_book_its_last_run_left(
    airflow_environment: dict[str, str], sandbox: Sandbox, dag_id: str, conf: dict[str, Any] | None
) -> None:
    sandbox.reset(DEFAULT_SEED)
    sandbox.clear_faults()
    # No reset in between: a schedule's next run meets the book as the last one left it.
    for run in ("first", "second"):
        sandbox.clear_requests()
        result = run_dag_test(dag_id, airflow_environment, conf=conf)
        assert result.returncode == 0 and result.state == "success", result.output[-5000:]
        reports = [value for key, value in result.xcoms.items() if key[0].startswith("apply_")]
        assert reports
        for report in reports:
            assert report["totals"]["rejected"] == report["totals"]["failed"] == 0
            if run == "second":
                # Nothing moved since the first run: every edit is already on the book.
                assert report["totals"]["unchanged"] == report["totals"]["edits"], report["totals"]
    assert sandbox.requests_where(endpoint="modify") == []
