"""Budget soak (issue 10): 20,000 Hyperliquid edits through the operator, with faults, and no 429.

``BatchModifyOrdersOperator.execute()`` runs in a fresh process (it logs a line per edit) against
a sandbox that counts ``/exchange`` and ``/info`` weight against one 1200-per-minute budget, as
the exchange does. The run reads (planning: ``meta``, ``spotMeta``, ``frontendOpenOrders``; the
budget check: ``userRateLimit``; confirmation, once the clients confirm) and reconciles: fault
rules lose the answers of some modifies after they were applied (``drop_after``,
``http_500_after``), refuse others before (``http_500``, ``drop_before``), and fail some order
reads (``http_500`` on queries), so reconciliation and read retries spend weight too.

The figure is the number of 429s the venue answered because the budget was spent: 0. The run
is also judged from the exchange's side: every seeded order is still open exactly once (a
modify replaces an order by a new one carrying the cloid the client sent, so an edit applied
twice or lost would show), and the orders carrying a cloid are exactly the edits reported
``modified``, each at the price its edit asked for.

Bounded: 20,000 edits at chunk 39 are 513 modify requests, about 1,100 weight with the reads,
so about a minute at the ceiling; the operator's own timeouts bound the rest.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from airflow_batchmod.testing.sandbox import start_sandbox
from benchmarks.common import Row, heading, run_worker, verdict
from benchmarks.weights import weight_figures

EDITS = 20_000
CHUNK = 39
FAULT_SEED = 20261202
#: Probabilities per modify request / per order read; ``times: null`` keeps them firing all run.
FAULTS: list[dict[str, Any]] = [
    {"venue": "hyperliquid", "endpoint": "modify", "fault": "drop_after", "probability": 0.02, "times": None},
    {
        "venue": "hyperliquid",
        "endpoint": "modify",
        "fault": "http_500_after",
        "probability": 0.01,
        "times": None,
    },
    {"venue": "hyperliquid", "endpoint": "modify", "fault": "http_500", "probability": 0.02, "times": None},
    {
        "venue": "hyperliquid",
        "endpoint": "modify",
        "fault": "drop_before",
        "probability": 0.01,
        "times": None,
    },
    {"venue": "hyperliquid", "endpoint": "query", "fault": "http_500", "probability": 0.05, "times": None},
]


def worker(params: dict[str, Any]) -> dict[str, Any]:
    """In a fresh process: one ``execute()`` of ``params["edits"]`` edits; the report comes back."""
    from airflow_batchmod.testing.dags import sandbox_connections

    for conn_id, conn in sandbox_connections(params["url"]).items():
        os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(conn)

    from airflow_batchmod.testing.operator_run import run_operator
    from airflow_batchmod.testing.task_instance import FakeTaskInstance
    from benchmarks.seeds import hyperliquid_edits

    edits = hyperliquid_edits(int(params["edits"]))
    ti = FakeTaskInstance(dag_id="budget_soak", run_id="manual__budget_soak")
    started = time.perf_counter()
    run = run_operator(
        "hyperliquid_default",
        edits,
        ti=ti,
        chunk_size=CHUNK,
        fail_on="unknown",
        inline_report_limit=len(edits) + 1,
    )
    # A failed task pushed its report first: both come back.
    return {"report": run.report, "error": run.error_text, "seconds": time.perf_counter() - started}


def exchange_check(edits: list[dict[str, Any]], report: dict[str, Any], state: dict[str, Any]) -> list[str]:
    """What the sandbox's book says against the report; an empty list when they agree."""
    from benchmarks.seeds import HYPERLIQUID_USER

    problems: list[str] = []
    open_orders = [
        o for o in state["hyperliquid"]["orders"] if o["user"] == HYPERLIQUID_USER and o["status"] == "open"
    ]
    if len(open_orders) != len(edits):
        problems.append(f"{len(open_orders)} open orders, seeded {len(edits)}")
    by_oid = {int(o["oid"]): o for o in open_orders}
    modified = [e for e in report["edits"] if e["status"] == "modified"]
    replaced = [o for o in open_orders if o.get("cloid")]
    if len(replaced) != len(modified):
        problems.append(f"{len(replaced)} orders were replaced, {len(modified)} edits reported modified")
    for entry in modified:
        order = by_oid.get(int(entry["order_id"] or 0))
        wanted = Decimal(edits[entry["index"]]["price"])
        if order is None or Decimal(order["limitPx"]) != wanted:
            problems.append(
                f"edit {entry['index']}: reported modified, book shows {order and order['limitPx']}"
            )
            if len(problems) > 10:
                break
    return problems


def run(full: bool = False, edits: int = EDITS) -> list[Row]:
    heading(
        f"Budget soak: {edits:,} Hyperliquid edits through execute() (chunk {CHUNK}) with faults; "
        "reads and modifies share 1200 weight/min"
    )
    from benchmarks.seeds import hyperliquid_edits, hyperliquid_seed

    with start_sandbox(hyperliquid_seed(edits), startup_timeout=120) as sandbox:
        sandbox.set_faults(FAULTS, seed=FAULT_SEED)
        answer = run_worker("budget_soak", {"url": sandbox.url, "edits": edits}, timeout=900)
        injected = Counter[str](sandbox.fault_stats()["injected"])
        sandbox.clear_faults()
        entries = sandbox.requests()
        state = sandbox.state()
    report = answer["report"]
    w = weight_figures(entries)
    problems = exchange_check(hyperliquid_edits(edits), report, state) if report else ["no report"]
    totals = {k: v for k, v in report["totals"].items() if v} if report else {}
    minutes = (max(e["t"] for e in entries) - min(e["t"] for e in entries)) / 60
    print(
        f"  {answer['seconds']:.0f} s; task {'failed: ' + answer['error'] if answer['error'] else 'succeeded'}"
    )
    print(f"  totals {totals}")
    if report:
        print(
            f"  report: {report['requests']} requests, {report['reconciliations']} reconciliations, "
            f"{report['throttled_requests']} throttled, {report['server_errors']} server errors"
        )
    print(f"  faults injected: {dict(injected)}")
    print(
        f"  weight {w.total_weight} = modifies {w.modify_weight} ({w.modify_requests} requests) + reads "
        f"{w.read_weight} ({w.describe_reads()}) over {minutes:.1f} min; peak in any 60 s "
        f"{w.peak_weight_per_minute}/1200"
    )
    print(f"  HTTP 429 from the venue's budget: {w.venue_429} (injected on purpose: {w.injected_429})")
    print(f"  the sandbox's book against the report: {problems or 'agrees'}")
    return [
        Row(
            "budget soak",
            f"hyperliquid {edits:,} edits with faults, reads + reconciliation",
            f"{w.venue_429} x 429; peak {w.peak_weight_per_minute}/1200 weight per 60 s; reads "
            f"{w.read_weight} of {w.total_weight} weight; {sum(injected.values())} faults; "
            f"{answer['seconds']:.0f} s",
            "0 x 429",
            verdict(w.venue_429 == 0),
        ),
        Row(
            "budget soak",
            "book agrees with the report",
            f"{totals}" if not problems else f"{len(problems)} problems: {problems[0]}",
            "every order open once; modified = replaced, at the asked price",
            verdict(not problems and answer["error"] is None),
        ),
    ]
