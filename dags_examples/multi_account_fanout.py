"""Apply one adjustment plan across several accounts, on Bitget and Hyperliquid, in parallel.

An upstream system (here: a JSON file) decides the edits per account. ``plan_accounts``
turns the plan into one ``{"conn_id", "edits"}`` entry per account, and dynamic task mapping
runs one ``BatchModifyOrdersOperator`` per account, so each account gets its own rate-limit
budget, retries, checkpoint and report. ``summarise`` collects the reports.

The plan names Hyperliquid orders by cloid, as the ladder does: a modify replaces the order
under a new oid, and the cloid carries over, so running the same plan again finds the same
orders and reports them ``unchanged`` instead of failing on oids that are gone.

To keep two tasks from sharing one account's rate limit, give each account its own Airflow
pool with one slot (see the README, "Rate limits across tasks").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

PLAN_FILE = Path(__file__).parent / "data" / "account_plan.json"

with DAG(
    dag_id="batchmod_multi_account_fanout",
    description="Fan one adjustment plan out across accounts and exchanges",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["batchmod", "example"],
    doc_md=__doc__,
):

    @task
    def plan_accounts() -> list[dict[str, Any]]:
        plan = json.loads(PLAN_FILE.read_text())
        return [{"conn_id": account["conn_id"], "edits": account["edits"]} for account in plan["accounts"]]

    apply = BatchModifyOrdersOperator.partial(
        task_id="apply_edits",
        # One account's rejections should not hide the others' results; unknowns still fail.
        fail_on="failed_or_unknown",
        map_index_template="{{ task.conn_id }}",
    ).expand_kwargs(plan_accounts())

    @task
    def summarise(reports: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
        summary = {report["conn_id"]: report["totals"] for report in reports}
        for conn_id, totals in summary.items():
            print(f"{conn_id}: {totals}")
        return summary

    summarise(apply.output)  # type: ignore[arg-type]  # an XComArg becomes the list at run time
