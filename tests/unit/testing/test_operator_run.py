"""The one operator harness: what it hands the operator and what it gives back."""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowFailException

from airflow_batchmod.run.journal import MemoryStore
from airflow_batchmod.testing.operator_run import run_operator
from airflow_batchmod.testing.task_instance import FakeTaskInstance
from tests.support.fake_exchange import FakeClient, FakeHook, edits


def test_a_run_that_passes_returns_the_report_and_its_fresh_store() -> None:
    run = run_operator("fake", edits(2), hook=FakeHook(FakeClient()))
    assert run.error is None and run.error_text is None
    assert run.statuses() == ["modified", "modified"]
    assert isinstance(run.store, MemoryStore) and run.store.data  # the journal was written
    assert run.xcoms == {}  # a passing task's return value is pushed by Airflow, not by the operator


def test_a_failed_run_gives_the_error_and_the_report_pushed_before_it() -> None:
    ti = FakeTaskInstance(task_id="rebalance")
    run = run_operator("fake", [{"id": "x", "bad": True}], hook=FakeHook(FakeClient()), ti=ti)
    assert isinstance(run.error, AirflowFailException)
    assert run.error_text is not None and run.error_text.startswith("AirflowFailException: 1 of 1 edits")
    assert run.report is run.xcoms["return_value"] and run.statuses() == ["invalid"]
    assert run.ti is ti


def test_a_store_is_reused_to_resume_and_none_means_no_store() -> None:
    store, client = MemoryStore(), FakeClient()
    run_operator("fake", edits(2), hook=FakeHook(client), store=store)
    again = run_operator("fake", edits(2), hook=FakeHook(client), store=store)
    assert len(client.submitted) == 1 and again.store is store
    assert run_operator("fake", edits(1), hook=FakeHook(FakeClient()), store=None).store is None
