"""The metric names and values a run sends (the StatsD wire is tested in tests/dags/test_metrics.py)."""

from __future__ import annotations

from typing import Any

from airflow_batchmod.operators.metrics import metric_values
from airflow_batchmod.run.records import EditStatus, Halt

REPORT: dict[str, Any] = {
    "exchange": "bitget",
    "conn_id": "bitget_default",
    "totals": {"modified": 3, "unknown": 1, "unchanged": 0, "edits": 4},
    "requests": 2,
    "throttled_requests": 1,
    "server_errors": 0,
    "reconciliations": 1,
    "duration_seconds": 0.5,
}


def test_counts_per_status_and_per_request_figure() -> None:
    values = metric_values(REPORT, None)
    assert values == {
        "batchmod.edits.modified": 3,
        "batchmod.edits.unknown": 1,
        "batchmod.edits.unchanged": 0,
        "batchmod.edits.total": 4,
        "batchmod.requests": 2,
        "batchmod.requests.throttled": 1,
        "batchmod.requests.server_errors": 0,
        "batchmod.reconciliations": 1,
        "batchmod.runs.completed": 1,
    }


def test_a_stop_is_counted_by_whether_a_retry_helps() -> None:
    final = metric_values(REPORT, Halt("budget spent", EditStatus.FAILED, retryable=False))
    retryable = metric_values(REPORT, Halt("journal", EditStatus.NOT_SENT, retryable=True))
    assert final["batchmod.runs.stopped.final"] == 1 and "batchmod.runs.completed" not in final
    assert retryable["batchmod.runs.stopped.retryable"] == 1
