"""The sender: one request for one chunk, turned into an answer the run applies (no run state)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from airflow_batchmod.exchanges.backoff import Backoff
from airflow_batchmod.exchanges.base import (
    BudgetExhaustedError,
    FailureKind,
    FatalRequestError,
    ItemResult,
    Outcome,
    OutcomeUnknownError,
    PreparedEdit,
    ReconcileError,
    TransientRequestError,
)
from airflow_batchmod.run.records import EditStatus
from airflow_batchmod.run.sending import ChunkSender
from tests.support.fake_exchange import FakeClient, edits
from tests.support.timing import FakeClock


def prepared(count: int) -> list[PreparedEdit]:
    return FakeClient().prepare(edits(count)).edits


def sender(client: FakeClient, clock: FakeClock, *, reconcile_attempts: int = 3) -> ChunkSender:
    return ChunkSender(
        client,
        reconcile_attempts=reconcile_attempts,
        backoff=Backoff(0.5, 4.0),  # no jitter: the waits are exact
        sleep=clock.sleep,
        log=logging.getLogger("test"),
        clock=clock,
    )


class Answering(FakeClient):
    """Answers each request with ``answers`` (by index; a missing index gets no answer)."""

    def __init__(self, answers: dict[int, Outcome], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.answers = answers

    def submit(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        self.submitted.append([e.index for e in edits])
        return [ItemResult(e.index, self.answers[e.index]) for e in edits if e.index in self.answers]


def outcomes(results: Sequence[ItemResult]) -> list[Outcome]:
    return [r.outcome for r in results]


def test_an_applied_request_is_answered_as_is_without_asking_the_exchange() -> None:
    client, clock = FakeClient(), FakeClock()
    answer = sender(client, clock).send(prepared(3), frozenset())
    assert outcomes(answer.results) == [Outcome.APPLIED] * 3
    assert (answer.requests, answer.reconciliations, answer.failure, answer.halt) == (1, 0, None, None)
    assert client.reconciled == [] and clock.slept == []


@pytest.mark.parametrize("kind", [FailureKind.THROTTLED, FailureKind.SERVER_ERROR, FailureKind.NETWORK])
def test_a_request_sent_back_whole_is_retry_for_every_edit_with_the_errors_kind(kind: FailureKind) -> None:
    client = FakeClient(script=[TransientRequestError("busy", code="x", kind=kind, retry_after=2.5)])
    answer = sender(client, FakeClock()).send(prepared(2), frozenset())
    assert outcomes(answer.results) == [Outcome.RETRY] * 2
    assert (answer.failure, answer.retry_after, answer.halt) == (kind, 2.5, None)
    assert {r.code for r in answer.results} == {"x"}


def test_a_status_code_alone_does_not_make_a_failure_kind() -> None:
    # The client names the kind; a code that looks like an HTTP status is only a code.
    client = FakeClient(script=[TransientRequestError("busy", code="429")])
    assert sender(client, FakeClock()).send(prepared(1), frozenset()).failure is FailureKind.OTHER


def test_a_request_refused_for_good_rejects_the_chunk_and_halts_leaving_the_rest_unsent() -> None:
    client = FakeClient(script=[FatalRequestError("bad key", code="auth")])
    answer = sender(client, FakeClock()).send(prepared(2), frozenset())
    assert outcomes(answer.results) == [Outcome.REJECTED] * 2
    assert answer.halt is not None
    assert (answer.halt.unsent, answer.halt.retryable) == (EditStatus.NOT_SENT, False)
    assert "auth: bad key" in answer.halt.reason


def test_a_spent_budget_halts_failing_the_rest() -> None:
    client = FakeClient(script=[BudgetExhaustedError("0 requests left")])
    answer = sender(client, FakeClock()).send(prepared(2), frozenset())
    assert answer.halt is not None
    assert (answer.halt.reason, answer.halt.unsent, answer.halt.retryable) == (
        "0 requests left",
        EditStatus.FAILED,
        False,
    )


def test_an_unknown_outcome_is_asked_about_until_the_exchange_knows() -> None:
    client = FakeClient(
        script=[OutcomeUnknownError("timed out", kind=FailureKind.NETWORK)],
        reconciled_as=[Outcome.UNKNOWN, Outcome.APPLIED],
    )
    clock = FakeClock()
    answer = sender(client, clock).send(prepared(2), frozenset())
    assert outcomes(answer.results) == [Outcome.APPLIED] * 2
    assert answer.failure is FailureKind.NETWORK
    assert (answer.reconciliations, answer.reconciled) == (2, frozenset({0, 1}))
    assert client.reconciled == [[0, 1], [0, 1]]
    assert clock.slept == [0.5]  # one backoff between the two questions


def test_asking_stops_after_the_set_number_of_questions_with_backoff_between() -> None:
    client = FakeClient(script=[OutcomeUnknownError("timed out")], reconciled_as=[ReconcileError("down")])
    clock = FakeClock()
    answer = sender(client, clock, reconcile_attempts=4).send(prepared(1), frozenset())
    assert outcomes(answer.results) == [Outcome.UNKNOWN]
    assert answer.results[0].message == "reconcile failed: down"
    assert answer.reconciliations == 4 and clock.slept == [0.5, 1.0, 2.0]


def test_an_edit_the_answer_leaves_out_is_asked_about_not_lost() -> None:
    client = Answering({0: Outcome.APPLIED}, reconciled_as=[Outcome.APPLIED])
    answer = sender(client, FakeClock()).send(prepared(2), frozenset())
    assert outcomes(answer.results) == [Outcome.APPLIED, Outcome.APPLIED]
    assert client.reconciled == [[1]] and answer.reconciled == frozenset({1})


def test_a_rejection_of_a_once_doubted_edit_is_checked_and_the_exchange_s_word_wins() -> None:
    # Not applied when asked before the resend; the earlier request landed just after: the resend
    # is refused, but the edit applied.
    client = Answering(
        {0: Outcome.REJECTED, 1: Outcome.REJECTED}, reconciled_as=[Outcome.RETRY, Outcome.APPLIED]
    )
    answer = sender(client, FakeClock()).send(prepared(2), frozenset({1}))
    assert outcomes(answer.results) == [Outcome.REJECTED, Outcome.APPLIED]
    assert client.submitted == [[0, 1]] and client.reconciled == [[1], [1]]
    assert answer.reconciled == frozenset({1}) and answer.reconciliations == 2


def test_a_rejection_stays_when_asking_finds_nothing_applied() -> None:
    client = Answering({0: Outcome.REJECTED}, reconciled_as=[Outcome.RETRY])
    answer = sender(client, FakeClock()).send(prepared(1), frozenset({0}))
    assert outcomes(answer.results) == [Outcome.REJECTED] and answer.reconciled == frozenset()


def test_a_once_doubted_edit_the_book_shows_applied_is_not_sent_again() -> None:
    # The earlier request landed late, before the resend: asking first saves the resend, which
    # Bitget would refuse ("no change") and, under autoCancel, answer by cancelling the order.
    client = Answering({0: Outcome.APPLIED, 1: Outcome.APPLIED}, reconciled_as=[Outcome.APPLIED])
    answer = sender(client, FakeClock()).send(prepared(2), frozenset({1}))
    assert outcomes(answer.results) == [Outcome.APPLIED, Outcome.APPLIED]
    assert client.reconciled == [[1]] and client.submitted == [[0]]
    assert answer.reconciled == frozenset({1}) and (answer.requests, answer.reconciliations) == (1, 1)


def test_nothing_is_sent_when_every_once_doubted_edit_is_settled_by_asking() -> None:
    client = FakeClient(reconciled_as=[Outcome.APPLIED])
    answer = sender(client, FakeClock()).send(prepared(2), frozenset({0, 1}))
    assert outcomes(answer.results) == [Outcome.APPLIED] * 2 and client.submitted == []
    assert (answer.requests, answer.reconciliations, answer.reconciled) == (0, 1, frozenset({0, 1}))


def test_a_doubt_the_book_shows_unapplied_is_held_for_the_venue_s_late_apply_window() -> None:
    client = FakeClient(script=[OutcomeUnknownError("timed out")], late_apply_seconds=30.0)
    clock = FakeClock(100.0)
    answer = sender(client, clock).send(prepared(2), frozenset())
    assert outcomes(answer.results) == [Outcome.RETRY] * 2
    assert answer.resend_not_before == 130.0  # from when the request went out


def test_a_doubt_settled_by_asking_is_not_held() -> None:
    client = FakeClient(
        script=[OutcomeUnknownError("timed out")], reconciled_as=[Outcome.APPLIED], late_apply_seconds=30.0
    )
    answer = sender(client, FakeClock()).send(prepared(2), frozenset())
    assert answer.resend_not_before is None


def test_a_request_sent_back_whole_is_not_held() -> None:
    client = FakeClient(script=[TransientRequestError("busy")], late_apply_seconds=30.0)
    answer = sender(client, FakeClock()).send(prepared(2), frozenset())
    assert answer.resend_not_before is None and client.reconciled == []


def test_an_unexpected_error_is_treated_as_a_request_that_may_have_been_applied() -> None:
    client = FakeClient(script=[RuntimeError("bug")], reconciled_as=[Outcome.APPLIED])  # type: ignore[list-item]
    answer = sender(client, FakeClock()).send(prepared(1), frozenset())
    assert outcomes(answer.results) == [Outcome.APPLIED]
    assert answer.failure is FailureKind.OTHER and answer.reconciled == frozenset({0})


def test_busy_items_in_an_answered_request_are_flagged() -> None:
    client = Answering({0: Outcome.APPLIED, 1: Outcome.RETRY})
    answer = sender(client, FakeClock()).send(prepared(2), frozenset())
    assert answer.busy_items and answer.failure is None and client.reconciled == []
