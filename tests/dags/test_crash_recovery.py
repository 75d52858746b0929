"""Kill the Airflow process mid-run, run the task again: every edit is applied exactly once.

Real Airflow end to end: the operator checkpoints into the task_state_store in the SQLite
metadata database; `airflow tasks test` runs the task again inside the same DAG run, which
is what a retry after a dead worker amounts to.
"""

from __future__ import annotations

import subprocess
import time

from airflow_batchmod.testing.dags import airflow_command, dag_test_args, read_dag_run, run_task_test
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox
from tests.support.faults import answered_late
from tests.support.timing import wait_for

DAG_ID = "batchmod_rebalance_ladder"


def test_killed_task_resumes_without_applying_anything_twice(
    airflow_environment: dict[str, str], sandbox: Sandbox
) -> None:
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
    second = run_task_test(DAG_ID, "apply_edits", first.run_id, airflow_environment)
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
    orders = {o["orderId"]: o for o in sandbox.state()["bitget"]["orders"]}
    for edit in edits:
        assert orders[edit["orderId"]]["modifications"] == 1
        assert orders[edit["orderId"]]["price"].rstrip("0").rstrip(".") == edit["price"].rstrip("0").rstrip(
            "."
        )
