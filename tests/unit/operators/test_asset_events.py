"""What downstream consumers get from a run: the whole report back from wherever the operator
left it, and the totals on each outlet asset's event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from airflow.sdk import Asset, AssetAlias
from airflow.sdk.execution_time.context import OutletEventAccessors

from airflow_batchmod.operators.report_reading import report_entries, where_entries_are
from airflow_batchmod.testing.operator_run import run_operator
from tests.support.fake_exchange import FakeClient, FakeHook, edits, execute


def test_a_small_report_is_read_from_xcom_as_it_is() -> None:
    report = execute(FakeClient(), edits(3)).report
    assert report is not None
    assert report_entries(report) == report["edits"]
    assert where_entries_are(report) == "all 3 entries are in the report"


def test_a_stored_report_is_read_back_whole(tmp_path: Path) -> None:
    report = execute(FakeClient(), edits(5), inline_report_limit=2, report_path=f"file://{tmp_path}").report
    assert report is not None and report["edits"] == []
    entries = report_entries(report)
    assert entries is not None
    assert [(e["index"], e["status"]) for e in entries] == [(n, "modified") for n in range(5)]
    assert where_entries_are(report) == f"the full report is stored at {report['full_report']}"


def test_a_shortened_report_that_was_not_stored_says_the_list_is_in_the_log() -> None:
    raw = [*edits(4), {"id": "x", "bad": True}]
    report = execute(FakeClient(), raw, on_invalid="skip", fail_on="unknown", inline_report_limit=2).report
    assert report is not None
    assert report_entries(report) is None
    assert "task log" in where_entries_are(report)


def run_with_outlets(outlets: list[Any], client: FakeClient) -> tuple[dict[str, Any], OutletEventAccessors]:
    events = OutletEventAccessors()
    run = run_operator(
        "fake",
        edits(3),
        hook=FakeHook(client),
        store=None,
        context={"outlet_events": events},
        outlets=outlets,
    )
    if run.error is not None:
        raise run.error
    assert run.report is not None
    return run.report, events


def test_every_asset_outlet_event_carries_the_totals_and_aliases_are_left_alone() -> None:
    account = Asset("batchmod://bitget/bitget_default")
    other = Asset("batchmod://bitget/bitget_second")
    alias = AssetAlias("batchmod_rebalanced")
    report, events = run_with_outlets([account, other, alias], FakeClient())
    for asset in (account, other):
        extra = events[asset].extra
        assert extra["totals"] == report["totals"] and report["totals"]["modified"] == 3
        assert (extra["exchange"], extra["conn_id"]) == (report["exchange"], "fake")
        assert (extra["requests"], extra["duration_seconds"]) == (
            report["requests"],
            report["duration_seconds"],
        )
        assert extra["dry_run"] is False and extra["stop_reason"] is None
        assert "edits" not in extra
    assert events[alias].extra == {} and events[alias].asset_alias_events == []
