"""Re-quote resting Hyperliquid orders addressed by client order id (cloid).

On Hyperliquid a modify is cancel-and-replace: every modified order gets a new oid. A
strategy that tracks its orders by cloid keeps its ids stable (the operator carries the
cloid over to the replacement order), and the report maps each edit to its new oid, which
``record_new_oids`` hands on to whatever keeps the book of orders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator
from airflow_batchmod.operators.report_reading import report_entries, where_entries_are

QUOTES_FILE = Path(__file__).parent / "data" / "hyperliquid_quotes.json"

with DAG(
    dag_id="batchmod_hyperliquid_requote",
    description="Re-quote Hyperliquid orders by cloid and record their new oids",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["batchmod", "example", "hyperliquid"],
    doc_md=__doc__,
):

    @task
    def compute_quotes() -> list[dict[str, Any]]:
        quotes = json.loads(QUOTES_FILE.read_text())["quotes"]
        return [
            {
                "cloid": quote["cloid"],
                "coin": quote["coin"],
                "is_buy": quote["side"] == "buy",
                "price": quote["price"],
                "size": quote["size"],
                # Post-only: a re-quote must never take liquidity.
                "order_type": {"limit": {"tif": "Alo"}},
            }
            for quote in quotes
        ]

    requote = BatchModifyOrdersOperator(
        task_id="apply_edits",
        conn_id="hyperliquid_default",
        edits=compute_quotes(),
        # The new oids must survive a large report: keep the full report in object storage.
        report_path="{{ var.value.get('batchmod_report_path', '') }}",
    )

    @task
    def record_new_oids(report: dict[str, Any]) -> dict[str, str]:
        # A large report keeps only the entries that need attention in XCom: read the stored one.
        entries = report_entries(report)
        if entries is None:
            raise RuntimeError(f"The report has no modified entries to record: {where_entries_are(report)}")
        new_oids = {entry["order"]: entry["order_id"] for entry in entries if entry["status"] == "modified"}
        for order, oid in new_oids.items():
            print(f"{order} now rests as oid {oid}")
        return new_oids

    record_new_oids(requote.output)  # type: ignore[arg-type]  # an XComArg becomes the report at run time
