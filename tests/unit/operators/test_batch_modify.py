"""The operator's policies, driven through a scripted client: what is sent (the client's own
record of ``submit`` calls) and how the task ends, when the checkpoint, the budget or the
exchange says stop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_batchmod.exchanges.base import (
    BudgetExhaustedError,
    FailureKind,
    FatalRequestError,
    MetadataError,
    TransientRequestError,
)
from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator
from airflow_batchmod.run.journal import MemoryStore
from airflow_batchmod.testing.operator_run import execute_operator
from tests.support.fake_exchange import SECRET, FakeClient, edits, execute
from tests.support.stores import FailingReads, FailingWrites

# -- the checkpoint -----------------------------------------------------------------------------


def test_a_store_whose_reads_fail_at_any_position_never_lets_an_edit_be_sent() -> None:
    raw = edits(9)
    store = MemoryStore()
    # An earlier try sent three chunks and settled two of them.
    earlier = FakeClient(script=[None, None, TransientRequestError("busy")])
    execute(earlier, raw, store=store, chunk_size=3, max_in_flight=1, max_attempts=1)
    # The head, the plan, three chunks and the outcomes the try learned.
    assert len(earlier.submitted) == 3 and len(store.data) == 6
    for key in [*sorted(store.data), None]:
        client = FakeClient()
        outcome = execute(client, raw, store=FailingReads(store.data, key), chunk_size=3)
        assert client.submitted == [], key
        assert isinstance(outcome.error, AirflowFailException), key
        assert "state store" in str(outcome.error) and "cannot be read" in str(outcome.error)


def test_a_missing_store_runs_without_a_checkpoint_and_warns(capsys: pytest.CaptureFixture[str]) -> None:
    client = FakeClient()
    outcome = execute(client, edits(3), store=None)
    assert outcome.error is None and outcome.statuses() == ["modified"] * 3
    warnings = [line for line in capsys.readouterr().out.splitlines() if "[warning" in line]
    assert any("No task_state_store" in line for line in warnings)


def test_a_checkpoint_write_failure_before_a_chunk_stops_sending() -> None:
    client = FakeClient()
    # The plan (entry, head), chunk 1's intent (entry, head) and outcome written; chunk 2's intent cannot be.
    outcome = execute(client, edits(6), store=FailingWrites(5), chunk_size=2, max_in_flight=1)
    assert client.submitted == [[0, 1]]
    assert outcome.statuses() == ["modified"] * 2 + ["not_sent"] * 4
    assert type(outcome.error) is AirflowException  # a later try may find the store writable
    assert outcome.report is not None and "could not be written" in outcome.report["stop_reason"]


# -- budgets and failures no retry can cure ------------------------------------------------------


def test_the_budget_is_checked_once_with_what_is_left_after_recovery() -> None:
    raw = edits(5)
    store = MemoryStore()
    earlier = FakeClient(script=[None, FatalRequestError("bad key", code="auth")])
    execute(earlier, raw, store=store, chunk_size=2, max_in_flight=1)
    client = FakeClient()
    outcome = execute(client, raw, store=store, chunk_size=2)
    assert outcome.error is None
    assert client.budget_checks == [3]  # two edits were settled by the earlier try


def test_a_spent_budget_sends_nothing_and_fails_with_its_numbers() -> None:
    message = "needs 6 requests, 2 left; trading volume frees budget"
    client = FakeClient(budget_error=BudgetExhaustedError(message))
    outcome = execute(client, edits(6), chunk_size=3)  # two requests: worth a budget check
    assert client.submitted == []
    assert isinstance(outcome.error, AirflowFailException) and message in str(outcome.error)
    assert outcome.statuses() == ["failed"] * 6
    assert outcome.report is not None and {e["message"] for e in outcome.report["edits"]} == {message}


def test_a_budget_spent_mid_run_fails_that_chunk_and_every_unsent_edit_and_stops() -> None:
    message = "Too many cumulative requests sent (10010 > 10000)"
    client = FakeClient(script=[None, BudgetExhaustedError(message)])
    outcome = execute(client, edits(7), chunk_size=2, max_in_flight=1)
    assert client.submitted == [[0, 1], [2, 3]]
    assert outcome.statuses() == ["modified"] * 2 + ["failed"] * 5
    assert isinstance(outcome.error, AirflowFailException) and message in str(outcome.error)


def test_a_request_refused_for_good_fails_the_task_without_retry_and_says_why() -> None:
    client = FakeClient(script=[FatalRequestError("User or API Wallet 0xabc does not exist", code="auth")])
    outcome = execute(client, edits(5), chunk_size=2, max_in_flight=1)
    assert client.submitted == [[0, 1]]
    assert isinstance(outcome.error, AirflowFailException)
    assert outcome.statuses() == ["failed"] * 2 + ["not_sent"] * 3
    assert outcome.report is not None and "does not exist" in outcome.report["stop_reason"]
    assert "does not exist" in str(outcome.error)


def test_an_unreadable_venue_fails_before_anything_is_sent_without_showing_secrets() -> None:
    client = FakeClient(prepare_error=MetadataError(f"instruments answered 500 for key {SECRET}"))
    outcome = execute(client, edits(2))
    assert client.submitted == []
    assert isinstance(outcome.error, AirflowException) and "fake" in str(outcome.error)
    assert SECRET not in str(outcome.error) and "500" in str(outcome.error)


# -- pushback ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "counted"),
    [(FailureKind.THROTTLED, "throttled_requests"), (FailureKind.SERVER_ERROR, "server_errors")],
)
def test_a_request_that_failed_as_a_whole_is_retried_as_a_whole(failure: FailureKind, counted: str) -> None:
    client = FakeClient(script=[TransientRequestError("try later", kind=failure, retry_after=0.01)] * 2)
    outcome = execute(client, edits(20))
    assert client.submitted == [list(range(20))] * 3
    assert outcome.error is None and outcome.report is not None
    other = {"throttled_requests", "server_errors"} - {counted}
    assert (outcome.report[counted], outcome.report[other.pop()]) == (2, 0)


# -- the report ----------------------------------------------------------------------------------


def test_a_large_report_without_report_path_keeps_problems_in_xcom_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_storage(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("the report was written somewhere")

    monkeypatch.setattr("airflow_batchmod.operators.report_storage.store_full_report", no_storage)
    raw = [*edits(4), {"id": "x", "bad": True}]
    outcome = execute(FakeClient(), raw, on_invalid="skip", fail_on="unknown", inline_report_limit=2)
    assert outcome.error is None and outcome.report is not None
    assert [e["index"] for e in outcome.report["edits"]] == [4]
    assert outcome.report["totals"]["modified"] == 4
    assert outcome.report["full_report"] is None
    assert "task log" in outcome.report["full_report_note"]


def test_a_large_report_with_report_path_is_written_there_whole(tmp_path: Path) -> None:
    outcome = execute(FakeClient(), edits(5), inline_report_limit=2, report_path=f"file://{tmp_path}")
    assert outcome.error is None and outcome.report is not None
    assert outcome.report["edits"] == []
    written = json.loads(Path(outcome.report["full_report"].removeprefix("file://")).read_text())
    assert [e["status"] for e in written["edits"]] == ["modified"] * 5
    assert written["totals"] == outcome.report["totals"]


def test_the_summary_table_is_not_folded_away(capsys: pytest.CaptureFixture[str]) -> None:
    execute(FakeClient(), edits(2))
    text = capsys.readouterr().out
    assert "requests sent" in text and "server errors" in text
    assert "::group::" not in text


# -- the connection ------------------------------------------------------------------------------


def test_a_connection_of_a_foreign_type_fails_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SOME_API", json.dumps({"conn_type": "http", "host": "example.org"}))
    operator = BatchModifyOrdersOperator(task_id="apply_edits", conn_id="some_api", edits=[])
    with pytest.raises(AirflowFailException, match=r"'some_api' has type 'http'.*bitget or hyperliquid"):
        _ = operator.hook


@pytest.mark.parametrize(
    ("argument", "allowed"), [("on_invalid", "'skip'"), ("fail_on", "'any_or_not_open'")]
)
def test_an_unknown_policy_is_refused_when_the_dag_is_parsed(argument: str, allowed: str) -> None:
    with pytest.raises(ValueError, match=f"{argument} must be one of .*{allowed}"):
        arguments: dict[str, Any] = {argument: "sometimes"}  # what a DAG file could still pass
        BatchModifyOrdersOperator(task_id="apply_edits", conn_id="fake", edits=[], **arguments)


class UnusableHook:
    """A hook whose client must never be asked for: the task should fail before reading anything."""

    def get_client(self, **options: Any) -> FakeClient:
        raise AssertionError("the connection's client was built")


@pytest.mark.parametrize("rendered", ["restrat", "", "Resume"])
def test_a_checkpoint_that_renders_to_no_known_choice_fails_before_anything_is_read(rendered: str) -> None:
    # checkpoint is templated, so only its rendered value can be checked; the DAG still parses.
    operator = BatchModifyOrdersOperator(
        task_id="apply_edits", conn_id="fake", edits=edits(2), checkpoint="{{ params.checkpoint }}"
    )
    operator.render_template_fields({"params": {"checkpoint": rendered}})
    assert operator.checkpoint == rendered
    operator.__dict__["hook"] = UnusableHook()
    store = MemoryStore()
    run = execute_operator(operator, store=store)
    assert isinstance(run.error, AirflowFailException)
    assert str(run.error) == (
        f"checkpoint must be one of 'resume', 'restart', not {rendered!r}; nothing was read or sent"
    )
    assert run.xcoms == {}
    assert store.data == {}


@pytest.mark.parametrize("checkpoint", ["resume", "restart"])
def test_each_known_checkpoint_runs(checkpoint: str) -> None:
    client = FakeClient()
    outcome = execute(client, edits(2), checkpoint=checkpoint)
    assert outcome.error is None and client.submitted == [[0, 1]]
