"""The batch run on its own: chunks, retries after backoff, reconciliation, halts and stops,
with an injected clock, so every wait is exact and instant."""

from __future__ import annotations

import logging
import random

from airflow_batchmod.exchanges.base import (
    BudgetExhaustedError,
    FailureKind,
    FatalRequestError,
    Outcome,
    OutcomeUnknownError,
    Preparation,
    PreparedEdit,
    TransientRequestError,
)
from airflow_batchmod.run.engine import BatchRun, RunSettings
from airflow_batchmod.run.journal import Journal, MemoryStore
from airflow_batchmod.run.records import EditRecord, EditStatus
from airflow_batchmod.run.resume import begin
from tests.support.fake_exchange import FakeClient, edits
from tests.support.timing import FakeClock


def batch_run(client: FakeClient, clock: FakeClock, **settings: int) -> BatchRun:
    return BatchRun(
        client,
        RunSettings(**{"max_in_flight": 1, **settings}),
        log=logging.getLogger("test"),
        rng=random.Random(7),
        clock=clock,
        sleep=clock.sleep,
    )


def prepared(raw: list[dict[str, str]]) -> list[PreparedEdit]:
    return FakeClient().prepare(raw).edits


def statuses(records: dict[int, EditRecord]) -> list[str]:
    return [status.value if (status := records[i].status) else "pending" for i in sorted(records)]


def test_edits_go_out_in_requests_of_at_most_chunk_size_and_all_settle() -> None:
    client, clock = FakeClient(), FakeClock()
    run = batch_run(client, clock, chunk_size=20)
    records = run.run(prepared(edits(45)))
    assert [len(chunk) for chunk in client.submitted] == [20, 20, 5]
    assert statuses(records) == ["modified"] * 45
    assert records[44].order_id == "new-44" and records[44].attempts == 1
    assert run.stats.requests == 3 and run.halt is None and clock.slept == []


def test_an_order_listed_twice_goes_in_a_later_request_in_input_order() -> None:
    raw = [{"id": "a", "price": "1"}, {"id": "b", "price": "2"}, {"id": "a", "price": "3"}]
    client = FakeClient()
    batch_run(client, FakeClock()).run(prepared(raw))
    assert client.submitted == [[0, 1], [2]]


def test_a_throttled_request_goes_again_whole_after_the_wait_the_venue_asked_for() -> None:
    throttled = TransientRequestError("slow down", kind=FailureKind.THROTTLED, retry_after=3.0)
    client, clock = FakeClient(script=[throttled]), FakeClock()
    run = batch_run(client, clock)
    records = run.run(prepared(edits(4)))
    assert client.submitted == [[0, 1, 2, 3]] * 2
    assert statuses(records) == ["modified"] * 4 and records[0].attempts == 2
    assert clock.now >= 3.0 and run.stats.throttled == 1 and run.stats.requests == 2


def test_the_backoff_grows_with_each_failed_attempt_within_its_bounds() -> None:
    busy = TransientRequestError("busy", kind=FailureKind.SERVER_ERROR)
    client, clock = FakeClient(script=[busy] * 3), FakeClock()
    run = batch_run(client, clock)
    run.run(prepared(edits(1)))
    # Equal jitter: each wait lies between half and all of base * 2**(attempt - 1).
    assert len(clock.slept) == 3
    for attempt, wait in enumerate(clock.slept, start=1):
        ceiling = 0.5 * 2 ** (attempt - 1)
        assert ceiling / 2 <= wait <= ceiling
    assert run.stats.server_errors == 3


def test_an_edit_sent_back_every_time_fails_after_max_attempts() -> None:
    busy = TransientRequestError("busy", kind=FailureKind.THROTTLED)
    client = FakeClient(script=[busy] * 10)
    records = batch_run(client, FakeClock(), max_attempts=3).run(prepared(edits(2)))
    assert len(client.submitted) == 3
    assert statuses(records) == ["failed"] * 2
    assert records[0].message == "gave up after 3 attempts: busy"


def test_an_unknown_outcome_is_settled_by_asking_and_never_resent() -> None:
    client = FakeClient(script=[OutcomeUnknownError("timed out")], reconciled_as=[Outcome.APPLIED])
    run = batch_run(client, FakeClock())
    records = run.run(prepared(edits(2)))
    assert client.submitted == [[0, 1]] and client.reconciled == [[0, 1]]
    assert statuses(records) == ["modified"] * 2
    assert records[0].reconciled and run.stats.reconciliations == 1


def test_a_request_refused_for_good_stops_sending_and_leaves_the_rest_not_sent() -> None:
    client = FakeClient(script=[None, FatalRequestError("bad key", code="auth")])
    run = batch_run(client, FakeClock(), chunk_size=2)
    records = run.run(prepared(edits(6)))
    assert client.submitted == [[0, 1], [2, 3]]
    assert statuses(records) == ["modified"] * 2 + ["failed"] * 2 + ["not_sent"] * 2
    assert run.halt is not None and not run.halt.retryable
    assert records[5].message == f"not sent: {run.halt.reason}"


def test_a_spent_budget_sends_nothing_and_fails_every_edit() -> None:
    client = FakeClient(budget_error=BudgetExhaustedError("2 requests left"))
    run = batch_run(client, FakeClock(), chunk_size=2)
    records = run.run(prepared(edits(3)))
    assert client.submitted == [] and client.budget_checks == [3]
    assert statuses(records) == ["failed"] * 3 and records[0].message == "2 requests left"


def test_no_budget_read_when_the_run_is_one_request() -> None:
    # The venue refuses that one request itself when over budget: a pre-check would only add a read.
    client = FakeClient(budget_error=BudgetExhaustedError("2 requests left"))
    run = batch_run(client, FakeClock(), chunk_size=3)
    run.run(prepared(edits(3)))
    assert client.budget_checks == [] and len(client.submitted) == 1


def test_a_stop_before_the_run_sends_nothing() -> None:
    client = FakeClient()
    run = batch_run(client, FakeClock())
    run.request_stop()
    records = run.run(prepared(edits(3)))
    assert client.submitted == []
    assert statuses(records) == ["not_sent"] * 3
    assert records[0].message == "stopped before this edit was sent"


def test_every_edit_is_reported_to_on_settle_once() -> None:
    settled: list[int] = []
    client, clock = FakeClient(script=[TransientRequestError("busy")]), FakeClock()
    run = BatchRun(
        client,
        RunSettings(chunk_size=2, max_in_flight=2),
        on_settle=lambda record: settled.append(record.index),
        clock=clock,
        sleep=clock.sleep,
    )
    run.run(prepared(edits(5)))
    assert sorted(settled) == [0, 1, 2, 3, 4]


def test_a_later_run_sends_only_what_the_resumed_plan_leaves() -> None:
    store, raw = MemoryStore(), edits(4)
    journal = Journal(store, "fp")
    begin(journal, Preparation(prepared(raw), []), [], logging.getLogger(__name__))
    first = FakeClient(script=[None, FatalRequestError("bad key", code="auth")])
    BatchRun(first, RunSettings(chunk_size=2, max_in_flight=1), journal=journal).run(prepared(raw))

    again, journal = FakeClient(), Journal(store, "fp")
    resumption = begin(journal, Preparation(prepared(raw), []), [], logging.getLogger(__name__))
    rerun = BatchRun(again, RunSettings(chunk_size=2, max_in_flight=1), journal=journal)
    records = rerun.run(resumption.edits, in_doubt=resumption.in_doubt)
    assert again.submitted == [[2, 3]]
    assert [(r.index, r.resumed, r.status) for r in resumption.records] == [
        (0, True, EditStatus.MODIFIED),
        (1, True, EditStatus.MODIFIED),
    ]
    assert statuses(records) == ["modified"] * 2


def test_an_edit_left_in_doubt_is_resent_only_after_the_late_apply_window_and_a_fresh_look() -> None:
    # The request timed out; the book shows it not applied, but the venue may still apply it.
    client = FakeClient(script=[OutcomeUnknownError("timed out")], late_apply_seconds=30.0)
    clock = FakeClock()
    records = batch_run(client, clock).run(prepared(edits(2)))
    assert client.submitted == [[0, 1], [0, 1]]
    # Asked when the answer was lost, then again at the end of the window, right before the resend.
    assert client.reconciled == [[0, 1], [0, 1]]
    assert sum(clock.slept) >= 30.0
    assert statuses(records) == ["modified"] * 2


def test_a_request_that_lands_within_the_window_is_not_sent_again() -> None:
    client = FakeClient(
        script=[OutcomeUnknownError("timed out")],
        reconciled_as=[Outcome.RETRY, Outcome.APPLIED],
        late_apply_seconds=30.0,
    )
    clock = FakeClock()
    run = batch_run(client, clock)
    records = run.run(prepared(edits(2)))
    assert client.submitted == [[0, 1]] and client.reconciled == [[0, 1], [0, 1]]
    assert statuses(records) == ["modified"] * 2 and all(records[i].reconciled for i in (0, 1))
    assert run.stats.requests == 1 and run.stats.reconciliations == 2


def test_a_later_edit_of_the_same_order_waits_for_the_doubt_to_clear() -> None:
    raw = [{"id": "a", "price": "1"}, {"id": "a", "price": "3"}]
    client = FakeClient(
        script=[OutcomeUnknownError("timed out")],
        reconciled_as=[Outcome.RETRY, Outcome.APPLIED],
        late_apply_seconds=30.0,
    )
    clock = FakeClock()
    batch_run(client, clock).run(prepared(raw))
    assert client.submitted == [[0], [1]] and sum(clock.slept) >= 30.0


def test_a_resumed_try_holds_the_earlier_try_s_unapplied_edits_for_the_window() -> None:
    # An earlier try sent edit 0 and never heard back; the book shows it not applied yet.
    client = FakeClient(late_apply_seconds=30.0)
    clock = FakeClock()
    records = batch_run(client, clock).run(prepared(edits(2)), in_doubt={0})
    assert client.submitted == [[1], [0]]
    assert client.reconciled == [[0], [0]]
    assert sum(clock.slept) >= 30.0 and statuses(records) == ["modified"] * 2
