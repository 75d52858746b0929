"""Every 15 minutes, re-centre a ladder of resting orders on the live mid price.

``compute_edits`` reads the account's open orders and the market's mid through the connection's
hook, and works out each rung's new price and size from the portfolio file (the ladder: which
order sits how many steps from the centre, and what size it keeps resting). It hands the edits
over XCom to ``BatchModifyOrdersOperator``, which plans them against the live book, sends only
what changes something, in batches within the exchange's rate limit, confirms what landed and
returns a per-order report. So the schedule can run forever:

- the mid did not move: every rung is ``unchanged`` and no modification is sent;
- a rung's order filled since the last run: ``not_open`` (it does not fail the run);
- a rung partly filled: it is re-sized to rest its size again, never below what filled.

Rungs are named by ids that survive a modification: Bitget's ``clientOid`` and Hyperliquid's
``cloid``. A Hyperliquid modify is cancel-and-replace, so the oid changes every run; the cloid
carries over to the replacement. A Bitget modify may also give the order a new orderId (no
UTA page says it keeps it); the clientOid carries over either way.

The same DAG rebalances on Bitget or Hyperliquid: trigger it with ``{"conn_id": ...}``
naming a ``bitget`` or ``hyperliquid`` connection (a scheduled run uses the default). The
connection's type picks the section of the portfolio file and the edit format.
``reference_price`` centres on a price of your choosing instead of the live mid.

The apply task updates the account's asset (``batchmod://bitget/bitget_default``) with the
report's totals in the event's ``extra``; ``batchmod_account_summary`` is scheduled on it.
``report_orders`` reads the whole report, from object storage when the operator stored it there
(set the Airflow Variable ``batchmod_report_path``, e.g. ``s3://bucket/reports``).
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, BaseHook, Param, task
from ladder_plans import DEFAULT_ACCOUNT_ASSET, DEFAULT_CONN_ID, live_ladder_edits

from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator
from airflow_batchmod.operators.report_reading import report_entries, where_entries_are

with DAG(
    dag_id="batchmod_rebalance_ladder",
    description="Every 15 minutes, re-centre a ladder of resting orders on the live mid",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    # One rebalance at a time: two runs planning from the same book would both send.
    max_active_runs=1,
    # Unpausing a schedule runs its latest interval at once, and this DAG moves real orders:
    # it starts paused, so nothing is sent until someone unpauses it on purpose.
    is_paused_upon_creation=True,
    params={
        "conn_id": Param(DEFAULT_CONN_ID, type="string", description="A bitget or hyperliquid connection"),
        "reference_price": Param(
            None, type=["null", "string"], description="Centre on this price instead of the live mid"
        ),
        "min_change": Param(
            None,
            type=["null", "object"],
            description='Leave rungs alone that would move by at most this: {"ticks": 1, "lots": 0} or {"bps": 5}',
        ),
    },
    tags=["batchmod", "example"],
    doc_md=__doc__,
):

    @task
    def compute_edits(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = params or {}
        conn_type = BaseHook.get_connection(params["conn_id"]).conn_type
        return live_ladder_edits(conn_type, params["conn_id"], params.get("reference_price"))

    apply = BatchModifyOrdersOperator(
        task_id="apply_edits",
        conn_id="{{ params.conn_id }}",
        edits=compute_edits(),
        report_path="{{ var.value.get('batchmod_report_path', '') }}",
        # Rungs that would move by less keep their place in the queue (e.g. {"ticks": 1}).
        min_change="{{ params.min_change | tojson }}",
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
