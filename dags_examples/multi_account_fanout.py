"""Apply one adjustment plan across several accounts, on Bitget and Hyperliquid, in parallel.

An upstream system (here: a JSON file) decides the edits per account. ``plan_accounts``
turns the plan into one ``{"conn_id", "edits"}`` entry per account, and dynamic task mapping
runs one ``BatchModifyOrdersOperator`` per account, so each account gets its own rate-limit
budget, retries, checkpoint and report. ``summarise`` collects the reports.

The plan names Hyperliquid orders by cloid, as the ladder does: a modify replaces the order
under a new oid, and the cloid carries over, so running the same plan again finds the same
orders and reports them ``unchanged`` instead of failing on oids that are gone.

Each venue gets its own mapped task, because the venues limit different things. Bitget limits
per UID, and every mapped ``apply_bitget`` task is another account, so they may run side by side.
Hyperliquid limits per egress IP, and both Hyperliquid accounts trade from the same workers, so
``apply_hyperliquid`` runs in the pool ``HYPERLIQUID_POOL`` (create it with one slot:
``airflow pools set batchmod_hyperliquid_ip 1 "Hyperliquid: one worker IP"``) and its tasks never
overlap. See the README, "Running on several workers".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

PLAN_FILE = Path(__file__).parent / "data" / "account_plan.json"
#: Every Hyperliquid connection used from one worker IP shares this pool (one slot).
HYPERLIQUID_POOL = "batchmod_hyperliquid_ip"

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
    def plan_accounts(exchange: str) -> list[dict[str, Any]]:
        plan = json.loads(PLAN_FILE.read_text())
        return [
            {"conn_id": account["conn_id"], "edits": account["edits"]}
            for account in plan["accounts"]
            if account["conn_id"].startswith(exchange)
        ]

    # One account's rejections should not hide the others' results; unknowns still fail.
    apply_bitget = BatchModifyOrdersOperator.partial(
        task_id="apply_bitget", fail_on="failed_or_unknown", map_index_template="{{ task.conn_id }}"
    ).expand_kwargs(plan_accounts.override(task_id="plan_bitget")("bitget"))
    apply_hyperliquid = BatchModifyOrdersOperator.partial(
        task_id="apply_hyperliquid",
        fail_on="failed_or_unknown",
        map_index_template="{{ task.conn_id }}",
        pool=HYPERLIQUID_POOL,
    ).expand_kwargs(plan_accounts.override(task_id="plan_hyperliquid")("hyperliquid"))

    @task
    def summarise(
        bitget: list[dict[str, Any]], hyperliquid: list[dict[str, Any]]
    ) -> dict[str, dict[str, int]]:
        summary = {report["conn_id"]: report["totals"] for report in [*bitget, *hyperliquid]}
        for conn_id, totals in summary.items():
            print(f"{conn_id}: {totals}")
        return summary

    # XComArgs become the lists of reports at run time.
    summarise(apply_bitget.output, apply_hyperliquid.output)  # type: ignore[arg-type]
