"""Turn the latest rebalance of an account into one line: a stand-in for a notification.

Scheduled on the account's asset, which ``batchmod_rebalance_ladder``'s apply task updates with
the report's totals in the asset event's ``extra``. So this DAG needs no XCom from the other DAG
and runs once per rebalance. Replace the ``print`` with a Slack or e-mail notifier.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import DAG, task
from ladder_plans import DEFAULT_ACCOUNT_ASSET


def summary_line(extra: dict[str, Any], source: str) -> str:
    """``bitget_default on bitget: 28 modified, 2 unchanged (30 edits, 2 requests, 0.4 s; run R)``."""
    totals: dict[str, int] = extra.get("totals") or {}
    counts = ", ".join(f"{count} {status}" for status, count in totals.items() if count and status != "edits")
    action = "dry run" if extra.get("dry_run") else "rebalanced"
    line = (
        f"{extra.get('conn_id')} on {extra.get('exchange')} {action}: {counts or 'nothing to do'} "
        f"({totals.get('edits', 0)} edits, {extra.get('requests')} requests, "
        f"{extra.get('duration_seconds')} s; {source})"
    )
    if extra.get("stop_reason"):
        line += f"; sending stopped: {extra['stop_reason']}"
    return line


with DAG(
    dag_id="batchmod_account_summary",
    description="One line per rebalance of an account, from its asset events",
    schedule=[DEFAULT_ACCOUNT_ASSET],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["batchmod", "example"],
    doc_md=__doc__,
):

    @task(inlets=[DEFAULT_ACCOUNT_ASSET])
    def summarise_latest(triggering_asset_events: Any = None, inlet_events: Any = None) -> str | None:
        # Scheduled: the event that triggered the run. Triggered by hand: the asset's latest event.
        events = list((triggering_asset_events or {}).get(DEFAULT_ACCOUNT_ASSET, []))
        if not events:
            events = list(inlet_events[DEFAULT_ACCOUNT_ASSET].ascending(False).limit(1))
        if not events:
            print(f"{DEFAULT_ACCOUNT_ASSET.uri} has no events yet")
            return None
        latest = events[-1]
        line = summary_line(dict(latest.extra or {}), f"run {latest.source_run_id}")
        print(line)
        return line

    summarise_latest()
