"""The weight of one scheduled run: the 20-rung ladder, every rung moving, through the operator.

Hyperliquid's 1200-weight-per-minute budget is per IP and shared by every account on it, so what
one scheduled run spends bounds how many desks fit on one IP. Counted from the sandbox's request
log (``benchmarks.weights``), by read, with the modify. Target: at most 45 (before issue 17: 101 =
``meta`` 20 + ``spotMeta`` 20 + ``frontendOpenOrders`` 2 x 20 + ``userRateLimit`` 20 + the modify 1).
"""

from __future__ import annotations

import json
import os
from typing import Any

from airflow_batchmod.run.journal import MemoryStore
from airflow_batchmod.testing.sandbox import start_sandbox
from airflow_batchmod.testing.task_instance import FakeTaskInstance
from benchmarks.common import Row, heading, verdict
from benchmarks.seeds import HYPERLIQUID_KEY, HYPERLIQUID_USER, hyperliquid_edits, hyperliquid_seed
from benchmarks.weights import WeightFigures, weight_figures

RUNGS = 20
TARGET_WEIGHT = 45
BEFORE_WEIGHT = 101
CONN_ID = "bench_ladder"


def measure() -> tuple[WeightFigures, dict[str, Any]]:
    """One operator run of the ladder on a fresh sandbox, and its report."""
    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

    with start_sandbox(hyperliquid_seed(RUNGS)) as sandbox:
        conn = {
            "conn_type": "hyperliquid",
            "host": sandbox.url,
            "login": HYPERLIQUID_USER,
            "password": HYPERLIQUID_KEY,
            "extra": {"network": "mainnet"},
        }
        os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = json.dumps(conn)
        sandbox.clear_requests()
        operator = BatchModifyOrdersOperator(
            task_id="ladder", conn_id=CONN_ID, edits=hyperliquid_edits(RUNGS)
        )
        context: Any = {"ti": FakeTaskInstance(), "task_state_store": MemoryStore()}
        report = operator.execute(context)
        return weight_figures(sandbox.requests()), report


def run() -> list[Row]:
    heading(f"Weight of one scheduled run: the {RUNGS}-rung Hyperliquid ladder, every rung moving")
    figures, report = measure()
    modified = report["totals"]["modified"]
    line = f"{figures.total_weight} (modify {figures.modify_weight}; reads: {figures.describe_reads()})"
    print(f"  weight {line}; {modified} of {RUNGS} modified", flush=True)
    return [
        Row(
            "scheduled_run",
            f"hyperliquid weight of one {RUNGS}-rung ladder run (before: {BEFORE_WEIGHT})",
            line,
            f"<= {TARGET_WEIGHT}",
            verdict(figures.total_weight <= TARGET_WEIGHT and modified == RUNGS),
        )
    ]
