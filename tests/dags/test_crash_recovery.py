"""Kill the Airflow process mid-run, run the task again: every edit is applied exactly once.

Real Airflow end to end: the operator checkpoints into the task_state_store in the SQLite
metadata database; `airflow tasks test` runs the task again inside the same DAG run, which
is what a retry after a dead worker amounts to, and what clearing the task amounts to (Airflow
3.3 keeps the task_state_store when a task is cleared).
"""

from __future__ import annotations

import subprocess
import time
from decimal import Decimal

from airflow_batchmod.testing.dags import (
    airflow_command,
    dag_test_args,
    read_dag_run,
    run_dag_test,
    run_task_test,
)
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox
from tests.support.faults import answered_late
from tests.support.stores import journal_in
from tests.support.timing import wait_for

DAG_ID = "batchmod_rebalance_ladder"


def crash_with_requests_in_flight(airflow_environment: dict[str, str], sandbox: Sandbox) -> str:
    """Run the Bitget ladder and kill its worker while a batch-modify answer is held back;
    returns the crashed run's id."""
    sandbox.reset(DEFAULT_SEED)
    # The first request is applied but its answer is held back long enough to kill the worker
    # while the operator still waits for it: those edits are in doubt on the next try.
    sandbox.set_faults([answered_late("bitget", 30000)])
    conf = {"conn_id": "bitget_default"}
    worker = subprocess.Popen(
        airflow_command(dag_test_args(DAG_ID, conf=conf)),
        env=airflow_environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def both_requests_applied() -> bool:
            orders = sandbox.state()["bitget"]["orders"]
            return sum(int(o["modifications"]) for o in orders) == 30

        wait_for(both_requests_applied, "the first try to apply both chunks", timeout=120)
        # Let the fast chunk's outcome reach the checkpoint; the slow one is still unanswered.
        time.sleep(1.0)
        assert worker.poll() is None, "the first try finished before it could be killed"
    finally:
        worker.kill()
        worker.wait()
    first = read_dag_run(DAG_ID, airflow_environment)
    assert first.run_id is not None and first.state != "success"
    assert first.task_states[("apply_edits", -1)] == "running"  # the worker died mid-task
    sandbox.clear_faults()
    sandbox.clear_requests()
    return first.run_id


def test_killed_task_resumes_without_applying_anything_twice(
    airflow_environment: dict[str, str], sandbox: Sandbox
) -> None:
    crashed_run = crash_with_requests_in_flight(airflow_environment, sandbox)
    second = run_task_test(DAG_ID, "apply_edits", crashed_run, airflow_environment)
    assert second.returncode == 0, second.output[-5000:]
    assert second.task_states[("apply_edits", -1)] == "success"
    report = second.report("apply_edits")
    edits = second.report("compute_edits")
    assert [e["index"] for e in report["edits"]] == list(range(30))
    assert report["totals"]["modified"] == 30
    # The chunk that settled before the kill is reported from the checkpoint; the one in doubt was
    # reconciled with the exchange. Neither was sent again.
    resumed = [e for e in report["edits"] if e["resumed"]]
    assert 0 < len(resumed) < 30
    modify_requests = [r for r in sandbox.requests() if r["venue"] == "bitget" and r["endpoint"] == "modify"]
    assert modify_requests == []
    # The ladder names its rungs by clientOid (unique per account): the default account's.
    orders = {o["clientOid"]: o for o in sandbox.state()["bitget"]["orders"] if o["uid"] == "1001"}
    for edit in edits:
        assert orders[edit["clientOid"]]["modifications"] == 1
        assert Decimal(orders[edit["clientOid"]]["price"]) == Decimal(edit["price"])


def test_a_cleared_crashed_run_never_puts_its_stale_prices_back(
    airflow_environment: dict[str, str], sandbox: Sandbox
) -> None:
    crashed_run = crash_with_requests_in_flight(airflow_environment, sandbox)

    # Try 2 (the retry) reconciles, and its log lines, summary and journal say so.
    second = run_task_test(DAG_ID, "apply_edits", crashed_run, airflow_environment)
    assert second.returncode == 0, second.output[-5000:]
    report = second.report("apply_edits")
    assert report["totals"]["modified"] == 30 and report["reconciliations"] >= 1
    reconciled = [e for e in report["edits"] if e["reconciled"]]
    assert reconciled, "the in-doubt chunk was not reconciled"
    for entry in report["edits"]:
        assert entry["before"] != entry["after"] and entry["wanted"] == entry["after"], entry
    assert "the book already shows this price and size" not in second.output
    assert f"{len(reconciled)} in doubt ({len(reconciled)} shown landed by the book" in second.output
    assert (
        f"reconciliations      | {report['reconciliations']}" in second.output
        or "reconciliations" in second.output
    )
    journal = journal_in(second.state_store("apply_edits"))
    assert set(journal.settled) == set(range(30)) and journal.in_doubt == set()
    assert {s.status for s in journal.settled.values()} == {"modified"}

    # A newer run moves every rung to a new centre.
    sandbox.mark("bitget", "BTCUSDT", "60300.0", category="USDT-FUTURES")
    newer = run_dag_test(DAG_ID, airflow_environment, conf={"conn_id": "bitget_default"})
    assert newer.returncode == 0 and newer.state == "success", newer.output[-5000:]
    assert newer.report("apply_edits")["totals"]["modified"] == 30
    prices_after_newer = {o["orderId"]: o["price"] for o in sandbox.state()["bitget"]["orders"]}

    # Someone clears the crashed run's apply task: checkpoint="resume" finds every edit settled.
    sandbox.clear_requests()
    cleared = run_task_test(DAG_ID, "apply_edits", crashed_run, airflow_environment)
    assert cleared.returncode == 0, cleared.output[-5000:]
    modify_requests = [r for r in sandbox.requests() if r["venue"] == "bitget" and r["endpoint"] == "modify"]
    assert modify_requests == []
    assert {o["orderId"]: o["price"] for o in sandbox.state()["bitget"]["orders"]} == prices_after_newer
    assert all(entry["resumed"] for entry in cleared.report("apply_edits")["edits"])


def test_edits_never_sent_before_the_crash_are_superseded_once_the_book_moved(
    airflow_environment: dict[str, str], sandbox: Sandbox
) -> None:
    crashed_run = crash_with_requests_in_flight(airflow_environment, sandbox)
    # Before the crashed run's retry comes, a newer run moves every rung to a new centre.
    sandbox.mark("bitget", "BTCUSDT", "59700.0", category="USDT-FUTURES")
    newer = run_dag_test(DAG_ID, airflow_environment, conf={"conn_id": "bitget_default"})
    assert newer.returncode == 0 and newer.state == "success", newer.output[-5000:]
    prices_after_newer = {o["orderId"]: o["price"] for o in sandbox.state()["bitget"]["orders"]}

    # The crashed run's retry comes only now: its in-doubt edits are neither on the book (the
    # newer run moved them) nor still at the price they were planned against.
    sandbox.clear_requests()
    late = run_task_test(DAG_ID, "apply_edits", crashed_run, airflow_environment)
    assert late.returncode == 0, late.output[-5000:]
    statuses = {e["status"] for e in late.report("apply_edits")["edits"]}
    assert "superseded" in statuses and statuses <= {"modified", "superseded"}
    assert [r for r in sandbox.requests() if r["endpoint"] == "modify"] == []
    assert {o["orderId"]: o["price"] for o in sandbox.state()["bitget"]["orders"]} == prices_after_newer
