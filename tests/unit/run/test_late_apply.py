"""The run against a venue that may still apply a request whose answer was lost: no resend, no
later edit of the order, no report and no journal entry may act as if it will not."""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from airflow_batchmod.exchanges.base import (
    FatalRequestError,
    ItemResult,
    Outcome,
    OutcomeUnknownError,
    Preparation,
    PreparedEdit,
)
from airflow_batchmod.run.engine import BatchRun, RunSettings
from airflow_batchmod.run.journal import Journal, MemoryStore
from airflow_batchmod.run.records import MAY_STILL_LAND, EditStatus
from airflow_batchmod.run.resume import begin
from tests.support.fake_exchange import FakeClient, edits
from tests.support.timing import FakeClock

LOG = logging.getLogger(__name__)
WINDOW = 30.0


def prepared(raw: list[dict[str, str]]) -> list[PreparedEdit]:
    return FakeClient().prepare(raw).edits


def batch_run(
    client: FakeClient, clock: FakeClock, journal: Journal | None = None, **settings: int
) -> BatchRun:
    return BatchRun(
        client,
        RunSettings(**{"max_in_flight": 1, **settings}),
        journal=journal,
        log=LOG,
        rng=random.Random(7),
        clock=clock,
        sleep=clock.sleep,
    )


@dataclass
class TimedClient(FakeClient):
    """Notes the clock at each request it puts on the wire."""

    clock: FakeClock = field(default_factory=FakeClock)
    sends: list[float] = field(default_factory=list)

    def submit(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        self.sends.append(self.clock.now)
        return super().submit(edits)


@dataclass
class IsolatingClient(TimedClient):
    """Like Bitget isolating a refused item: inside one ``submit``, a second request goes out 20 s
    after the first, and its answer is lost."""

    def submit(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        if self.sends:
            return super().submit(edits)
        self.sends += [self.clock.now, self.clock.now + 20.0]
        self.clock.now += 35.0  # the split request's read timeout
        return [ItemResult(e.index, Outcome.UNKNOWN, message="no answer") for e in edits]


def test_the_window_runs_from_the_last_request_a_submit_sent() -> None:
    clock = FakeClock()
    client = IsolatingClient(late_apply_seconds=WINDOW, clock=clock)
    batch_run(client, clock).run(prepared(edits(2)))
    _, split, resend = client.sends
    assert resend >= split + WINDOW


def test_an_edit_out_of_attempts_whose_last_request_may_land_is_unknown_not_failed() -> None:
    client = FakeClient(script=[OutcomeUnknownError("timed out")], late_apply_seconds=WINDOW)
    records = batch_run(client, FakeClock(), max_attempts=1).run(prepared(edits(1)))
    assert records[0].status is EditStatus.UNKNOWN


def test_a_halt_while_an_edit_waits_out_its_window_leaves_it_unknown_not_unsent() -> None:
    client = FakeClient(
        script=[OutcomeUnknownError("timed out"), FatalRequestError("bad key", code="auth")],
        late_apply_seconds=WINDOW,
    )
    records = batch_run(client, FakeClock(), chunk_size=1).run(prepared(edits(2)))
    assert client.submitted == [[0], [1]]
    assert (records[0].status, records[0].message) == (EditStatus.UNKNOWN, MAY_STILL_LAND)


class Killed(BaseException):
    pass


def test_a_try_killed_while_an_edit_waits_leaves_it_in_doubt_for_the_next_try() -> None:
    store, raw = MemoryStore(), edits(1)
    begin(Journal(store, "fp"), Preparation(prepared(raw), []), [], LOG)
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        if seconds > 5:
            raise Killed  # an execution timeout or SIGTERM during the wait
        clock.sleep(seconds)

    client = FakeClient(script=[OutcomeUnknownError("timed out")], late_apply_seconds=WINDOW)
    run = BatchRun(
        client, RunSettings(max_in_flight=1), journal=Journal(store, "fp"), log=LOG, clock=clock, sleep=sleep
    )
    with pytest.raises(Killed):
        run.run(prepared(raw))
    resumption = begin(Journal(store, "fp"), Preparation(prepared(raw), []), [], LOG)
    assert resumption.in_doubt == {0}


def test_a_later_edit_of_the_order_waits_when_the_doubt_ends_unknown() -> None:
    raw = [{"id": "a", "price": "1"}, {"id": "a", "price": "3"}]
    clock = FakeClock()
    client = TimedClient(
        script=[OutcomeUnknownError("timed out")],
        reconciled_as=[Outcome.UNKNOWN],
        late_apply_seconds=WINDOW,
        clock=clock,
    )
    records = batch_run(client, clock, reconcile_attempts=1).run(prepared(raw))
    first, second = client.sends
    assert second >= first + WINDOW
    assert [records[0].status, records[1].status] == [EditStatus.UNKNOWN, EditStatus.MODIFIED]


def test_an_edit_the_book_settles_before_its_resend_counts_one_attempt() -> None:
    client = FakeClient(
        script=[OutcomeUnknownError("timed out")],
        reconciled_as=[Outcome.RETRY, Outcome.APPLIED],
        late_apply_seconds=WINDOW,
    )
    run = batch_run(client, FakeClock())
    records = run.run(prepared(edits(1)))
    assert run.stats.requests == 1 and records[0].attempts == 1


@dataclass
class OrderZeroGone(FakeClient):
    """Asked before the resend, the book shows order 0 gone and order 1 still unedited."""

    def reconcile(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        self.reconciled.append([e.index for e in edits])
        before_resend = len(self.reconciled) > 1
        return [
            ItemResult(e.index, Outcome.REJECTED if before_resend and e.index == 0 else Outcome.RETRY)
            for e in edits
        ]


def test_a_refusal_the_book_shows_stays_rejected_when_the_resend_halts_the_run() -> None:
    client = OrderZeroGone(
        script=[OutcomeUnknownError("timed out"), FatalRequestError("bad key", code="auth")],
        late_apply_seconds=WINDOW,
    )
    records = batch_run(client, FakeClock(), chunk_size=2).run(prepared(edits(2)))
    assert client.submitted == [[0, 1], [1]]
    assert [records[0].status, records[1].status] == [EditStatus.REJECTED, EditStatus.FAILED]
