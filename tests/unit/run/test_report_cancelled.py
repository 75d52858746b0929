"""The report's word on orders an edit took off the book."""

from __future__ import annotations

from airflow_batchmod.run.records import EditRecord, EditStatus
from airflow_batchmod.run.report import build_report, failing, summary_table


def _report(*statuses: EditStatus) -> dict[str, object]:
    records = [EditRecord(i, f"oid:{i}", f"edit {i}", status=status) for i, status in enumerate(statuses)]
    return build_report(records, exchange="hyperliquid", conn_id="c", requests=1, duration_seconds=0.1)


def test_the_summary_says_how_many_orders_were_taken_off_the_book() -> None:
    table = summary_table(_report(EditStatus.CANCELLED, EditStatus.CANCELLED, EditStatus.MODIFIED))
    assert "2 orders taken off the book" in table
    assert "taken off the book" not in summary_table(_report(EditStatus.MODIFIED, EditStatus.REJECTED))


def test_cancelled_fails_under_the_default_policy() -> None:
    record = EditRecord(0, "oid:1", "edit", status=EditStatus.CANCELLED)
    assert failing([record], "any") == [record]
