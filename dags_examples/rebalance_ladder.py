"""Re-centre a ladder of resting orders on a new reference price.

One task reads a small portfolio file (the ladder: which resting orders sit how many
steps from the centre, and their target sizes) and the reference price to centre on, and
works out each order's new price and size. It hands the edits over XCom to
``BatchModifyOrdersOperator``, which validates them all, applies them in batches within the
exchange's rate limit, and returns a per-order report.

The same DAG rebalances on Bitget or Hyperliquid: trigger it with ``{"conn_id": ...}``
naming a ``bitget`` or ``hyperliquid`` connection. The connection's type picks the section
of the portfolio file and the edit format.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, BaseHook, Param, task

from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

PORTFOLIO_FILE = Path(__file__).parent / "data" / "ladder_portfolio.json"


def ladder_price(reference: Decimal, level: int, step_bps: int) -> Decimal:
    """The price ``level`` steps from the centre; buys sit below (level < 0), sells above."""
    return reference * (1 + Decimal(level * step_bps) / Decimal(10_000))


def round_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value(rounding=ROUND_HALF_EVEN) * tick


def bitget_edits(ladder: dict[str, Any], reference: Decimal) -> list[dict[str, Any]]:
    tick = Decimal(ladder["tick"])
    return [
        {
            "orderId": rung["orderId"],
            "symbol": ladder["symbol"],
            "category": ladder["category"],
            "price": str(round_to_tick(ladder_price(reference, rung["level"], ladder["step_bps"]), tick)),
            "qty": rung["qty"],
        }
        for rung in ladder["rungs"]
    ]


def round_significant(price: Decimal, figures: int) -> Decimal:
    """Hyperliquid prices carry at most 5 significant figures (integers excepted)."""
    # Integer prices are always valid, so never round into the integer digits.
    return round(price, max(0, figures - price.adjusted() - 1))


def hyperliquid_edits(ladder: dict[str, Any], reference: Decimal) -> list[dict[str, Any]]:
    return [
        {
            "oid": rung["oid"],
            "coin": ladder["coin"],
            "is_buy": rung["level"] < 0,
            "price": str(round_significant(ladder_price(reference, rung["level"], ladder["step_bps"]), 5)),
            "size": rung["size"],
            "order_type": {"limit": {"tif": "Gtc"}},
        }
        for rung in ladder["rungs"]
    ]


with DAG(
    dag_id="batchmod_rebalance_ladder",
    description="Re-centre a ladder of resting orders on a reference price",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "conn_id": Param("bitget_default", type="string", description="A bitget or hyperliquid connection"),
        "reference_price": Param(None, type=["null", "string"], description="Override the file's price"),
    },
    tags=["batchmod", "example"],
    doc_md=__doc__,
):

    @task
    def compute_edits(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = params or {}
        conn_type = BaseHook.get_connection(params["conn_id"]).conn_type
        ladder = json.loads(PORTFOLIO_FILE.read_text())[conn_type]
        reference = Decimal(params.get("reference_price") or ladder["reference_price"])
        if conn_type == "bitget":
            return bitget_edits(ladder, reference)
        return hyperliquid_edits(ladder, reference)

    BatchModifyOrdersOperator(
        task_id="apply_edits",
        conn_id="{{ params.conn_id }}",
        edits=compute_edits(),
        retries=2,
        retry_delay=pendulum.duration(seconds=5),
    )
