"""`make demo`: rebalance seeded orders on the sandbox with a real `airflow dags test` run.

Starts the sandbox exchange with its default seed, runs the example DAG
``batchmod_rebalance_ladder`` once against Bitget and once against Hyperliquid (only the
``conn_id`` changes), prints each run's per-order report next to what the sandbox now holds,
and stops the sandbox.
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from airflow_batchmod.testing.dags import airflow_env, migrate_db, run_dag_test, sandbox_connections
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox, start_sandbox

ROOT = Path(__file__).resolve().parent.parent
DEMO_HOME = ROOT / ".demo" / "airflow-home"
DAG_ID = "batchmod_rebalance_ladder"


def order_book(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """Sandbox orders by the id a report names them with."""
    state = sandbox.state()
    book = {f"orderId:{o['orderId']}": o for o in state["bitget"]["orders"]}
    book.update({f"oid:{o['oid']}": o for o in state["hyperliquid"]["orders"]})
    return book


def plain(number: str) -> str:
    return f"{Decimal(number).normalize():f}"


def describe(order: dict[str, Any] | None) -> str:
    if order is None:
        return "-"
    if "orderId" in order:
        return f"{order['side']} {plain(order['qty'])} @ {plain(order['price'])}"
    side = "buy" if order["side"] == "B" else "sell"
    return f"{side} {order['sz']} @ {order['limitPx']} [{order['status']}]"


def quote(value: dict[str, str] | None) -> str:
    """A report's ``before``/``after``: what the book showed, as price x size."""
    return "-" if value is None else f"{plain(value['price'])} x {plain(value['size'])}"


def print_report(report: dict[str, Any], after: dict[str, dict[str, Any]]) -> None:
    header = (
        f"{'#':>3}  {'order':<16} {'status':<9} {'order id now':<13} {'try':>3}  "
        f"{'book before -> after (report)':<34} {'now on the exchange'}"
    )
    print(header)
    print("-" * len(header))
    for entry in report["edits"]:
        now = after.get(f"oid:{entry['order_id']}") if report["exchange"] == "hyperliquid" else None
        now = now or after.get(entry["order"])
        print(
            f"{entry['index']:>3}  {entry['order']:<16} {entry['status']:<9} {entry['order_id'] or '-':<13} "
            f"{entry['attempts']:>3}  {quote(entry['before']) + ' -> ' + quote(entry['after']):<34} "
            f"{describe(now)}"
            + (f"  ({entry['code']}: {entry['message']})" if entry["code"] or entry["message"] else "")
        )
    totals = ", ".join(f"{k}={v}" for k, v in report["totals"].items() if v)
    print(f"totals: {totals}; requests sent: {report['requests']}; {report['duration_seconds']} s\n")


def main() -> int:
    started = time.monotonic()
    DEMO_HOME.mkdir(parents=True, exist_ok=True)
    with start_sandbox(DEFAULT_SEED) as sandbox:
        print(f"Sandbox exchange running at {sandbox.url} (seed: {DEFAULT_SEED.name})")
        database = DEMO_HOME / "airflow.db"
        # The demo's own SQLite file, even when the shell names another metadata database.
        env = airflow_env(
            DEMO_HOME,
            ROOT / "dags_examples",
            sandbox_connections(sandbox.url),
            database_url=f"sqlite:///{database}",
        )
        if not database.exists():
            print("Creating the Airflow metadata database (SQLite)...")
            migrate_db(env)
        failures = 0
        for conn_id in ("bitget_default", "hyperliquid_default"):
            print(f'\n=== airflow dags test {DAG_ID} --conf \'{{"conn_id": "{conn_id}"}}\'')
            result = run_dag_test(DAG_ID, env, conf={"conn_id": conn_id})
            print(f"DAG run {result.run_id}: {result.state} (exit code {result.returncode})")
            if result.state != "success" or ("apply_edits", -1) not in result.xcoms:
                print(result.output[-4000:])
                failures += 1
                continue
            print_report(result.report("apply_edits"), order_book(sandbox))
    print(f"Demo finished in {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
