"""Re-centre a ladder of resting orders on a new reference price.

One task reads a small portfolio file (the ladder: which resting orders sit how many
steps from the centre, and their target sizes) and the reference price to centre on, and
works out each order's new price and size. It hands the edits over XCom to
``BatchModifyOrdersOperator``, which plans them against the live book, applies what changes
something in batches within the exchange's rate limit, and returns a per-order report.

The same DAG rebalances on Bitget or Hyperliquid: trigger it with ``{"conn_id": ...}``
naming a ``bitget`` or ``hyperliquid`` connection. The connection's type picks the section
of the portfolio file and the edit format.

The apply task updates the account's asset (``batchmod://bitget/bitget_default``) with the
report's totals in the event's ``extra``; ``batchmod_account_summary`` is scheduled on it.
``report_orders`` reads the whole report, from object storage when the operator stored it there
(set the Airflow Variable ``batchmod_report_path``, e.g. ``s3://bucket/reports``).
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, BaseHook, Param, task
from ladder_plans import DEFAULT_ACCOUNT_ASSET, DEFAULT_CONN_ID, ladder_edits

from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator
from airflow_batchmod.operators.report_reading import report_entries, where_entries_are

with DAG(
    dag_id="batchmod_rebalance_ladder",
    description="Re-centre a ladder of resting orders on a reference price",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "conn_id": Param(DEFAULT_CONN_ID, type="string", description="A bitget or hyperliquid connection"),
        "reference_price": Param(None, type=["null", "string"], description="Override the file's price"),
    },
    tags=["batchmod", "example"],
    doc_md=__doc__,
):

    @task
    def compute_edits(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = params or {}
        conn_type = BaseHook.get_connection(params["conn_id"]).conn_type
        return ladder_edits(conn_type, params.get("reference_price"))

    apply = BatchModifyOrdersOperator(
        task_id="apply_edits",
        conn_id="{{ params.conn_id }}",
        edits=compute_edits(),
        report_path="{{ var.value.get('batchmod_report_path', '') }}",
        outlets=[DEFAULT_ACCOUNT_ASSET],
        retries=2,
        retry_delay=pendulum.duration(seconds=5),
    )

    @task
    def report_orders(report: dict[str, Any]) -> dict[str, str]:
        """Each order's status, for whatever keeps the book of orders (here: the log)."""
        print(f"{report['conn_id']}: {where_entries_are(report)}")
        entries = report_entries(report)
        if entries is None:
            return {}
        return {entry["order"]: entry["status"] for entry in entries}

    report_orders(apply.output)  # type: ignore[arg-type]  # an XComArg becomes the report at run time
