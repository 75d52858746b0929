"""What a run tells the assets it updates: the report's totals on each outlet's asset event.

A DAG author declares ``outlets=[Asset(...)]`` on the operator (say, one asset per account);
consumers scheduled on that asset read the outcome from the event's ``extra`` without pulling
the XCom of a task in another DAG.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: The report keys copied onto every asset event (the per-edit entries stay in the report).
EXTRA_KEYS = ("exchange", "conn_id", "dry_run", "totals", "requests", "duration_seconds", "stop_reason")


def asset_extra(report: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a report that an asset event carries: totals and how the run went."""
    return {key: report.get(key) for key in EXTRA_KEYS}


def annotate_outlet_events(outlets: Iterable[object], outlet_events: Any, report: Mapping[str, Any]) -> int:
    """Put the report's summary into the ``extra`` of every ``Asset`` outlet's event; how many."""
    from airflow.sdk import Asset

    assets = [outlet for outlet in outlets if isinstance(outlet, Asset)]
    if not assets or outlet_events is None:
        return 0
    extra = asset_extra(report)
    for asset in assets:
        outlet_events[asset].extra.update(extra)
    return len(assets)
