"""The metric names and values a run sends (the StatsD wire is tested in tests/dags/test_observability.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_batchmod.exchanges.base import MetadataError
from airflow_batchmod.operators.metrics import metric_values
from airflow_batchmod.run.records import EditStatus, Halt
from tests.support.fake_exchange import FakeClient, edits, execute

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


class SentMetrics:
    """Stands in for ``airflow.sdk.observability.stats``: every counter a run sends."""

    def __init__(self) -> None:
        self.counters: list[tuple[str, int, dict[str, str]]] = []

    def incr(self, name: str, count: int = 1, *, tags: dict[str, str]) -> None:
        self.counters.append((name, count, tags))

    def timing(self, name: str, duration: timedelta, *, tags: dict[str, str]) -> None:
        pass


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> SentMetrics:
    from airflow.sdk.observability import stats

    metrics = SentMetrics()
    monkeypatch.setattr(stats, "incr", metrics.incr)
    monkeypatch.setattr(stats, "timing", metrics.timing)
    return metrics


def test_a_run_that_fails_before_its_report_is_still_counted(sent: SentMetrics) -> None:
    run = execute(FakeClient(prepare_error=MetadataError("instruments answered 500")), edits(2))
    assert isinstance(run.error, AirflowException)
    assert sent.counters == [
        ("batchmod.runs.failed_without_report", 1, {"exchange": "fake", "conn_id": "fake"})
    ]


def test_invalid_input_under_fail_is_counted_as_a_failed_run(sent: SentMetrics) -> None:
    run = execute(FakeClient(), [*edits(1), {"id": "9", "price": "1", "bad": True}], on_invalid="fail")
    assert isinstance(run.error, AirflowFailException)
    assert [name for name, _, _ in sent.counters] == ["batchmod.runs.failed_without_report"]


def test_a_completed_run_is_counted_once_as_completed(sent: SentMetrics) -> None:
    run = execute(FakeClient(), edits(2))
    assert run.error is None
    names = [name for name, _, _ in sent.counters]
    assert names.count("batchmod.runs.completed") == 1
    assert "batchmod.runs.failed_without_report" not in names
