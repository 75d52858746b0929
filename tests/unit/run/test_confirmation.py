"""Confirmation on its own: reading the book until each accepted edit shows, with an injected clock."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from airflow_batchmod.exchanges.backoff import Backoff
from airflow_batchmod.exchanges.base import Confirmation, Landing, PreparedEdit, Quote, ReconcileError
from airflow_batchmod.run.confirmation import ConfirmOutcome, confirm_landings, edits_to_confirm
from airflow_batchmod.run.records import EditRecord, EditStatus
from tests.support.fake_exchange import FakeClient, edits
from tests.support.timing import FakeClock


def accepted(raw: list[dict[str, str]]) -> tuple[list[PreparedEdit], dict[int, EditRecord]]:
    """Prepared edits and their records as the run leaves them: ``modified``, ``after`` unknown."""
    prepared = FakeClient().prepare(raw).edits
    records = {
        e.index: EditRecord(
            e.index, e.order_key, e.label, before=e.before, wanted=e.wanted, status=EditStatus.MODIFIED
        )
        for e in prepared
    }
    return prepared, records


def confirm(
    client: FakeClient, prepared: list[PreparedEdit], records: dict[int, EditRecord], clock: FakeClock
) -> ConfirmOutcome:
    return confirm_landings(
        client,
        prepared,
        records,
        timeout=10.0,
        backoff=Backoff(0.25, 2.0),  # no jitter: exact waits
        log=logging.getLogger("test"),
        clock=clock,
        sleep=clock.sleep,
    )


def test_edits_that_show_at_the_first_read_keep_modified_and_gain_after() -> None:
    prepared, records = accepted(edits(2))
    clock = FakeClock()
    outcome = confirm(FakeClient(), prepared, records, clock)
    assert (outcome.reads, outcome.changed, clock.slept) == (1, [], [])
    assert [(r.status, r.after) for r in records.values()] == [
        (EditStatus.MODIFIED, Quote("100", "1")),
        (EditStatus.MODIFIED, Quote("101", "1")),
    ]


def test_a_queued_edit_is_read_again_with_growing_waits_until_it_shows() -> None:
    prepared, records = accepted(edits(1))
    client, clock = FakeClient(landings=[Landing.PENDING] * 3 + [Landing.LANDED]), FakeClock()
    outcome = confirm(client, prepared, records, clock)
    assert outcome.reads == 4 and clock.slept == [0.25, 0.5, 1.0]
    assert records[0].status is EditStatus.MODIFIED and records[0].after == Quote("100", "1")


def test_an_edit_the_book_never_shows_is_unknown_at_the_deadline_and_no_wait_passes_it() -> None:
    prepared, records = accepted(edits(1))
    clock = FakeClock()
    outcome = confirm(FakeClient(landings=[Landing.PENDING]), prepared, records, clock)
    assert clock.now == 10.0 and max(clock.slept) == 2.0
    assert outcome.changed == [records[0]] and records[0].status is EditStatus.UNKNOWN
    assert records[0].message == "accepted, but the book did not show it within 10 s (still the old values)"


def test_a_book_that_cannot_be_read_leaves_the_edit_unknown_and_says_why() -> None:
    class Unreadable(FakeClient):
        def confirm(self, edits: Sequence[PreparedEdit]) -> list[Confirmation]:
            raise ReconcileError("HTTP 502")

    prepared, records = accepted(edits(1))
    confirm(Unreadable(), prepared, records, FakeClock())
    assert records[0].status is EditStatus.UNKNOWN
    assert records[0].message == "the book could not be read: HTTP 502"


def test_an_order_gone_first_is_rejected_and_one_the_edit_took_off_is_cancelled() -> None:
    for landing, status, message in [
        (Landing.GONE, EditStatus.REJECTED, "the order filled or was cancelled before the edit took effect"),
        (Landing.CANCELLED, EditStatus.CANCELLED, "the edit took the order off the book"),
    ]:
        prepared, records = accepted(edits(1))
        outcome = confirm(FakeClient(landings=[landing]), prepared, records, FakeClock())
        assert (records[0].status, records[0].message, records[0].after) == (status, message, None)
        assert outcome.changed == [records[0]]


def test_nothing_to_confirm_reads_nothing() -> None:
    client = FakeClient()
    assert confirm(client, [], {}, FakeClock()).reads == 0 and client.confirmed == []


def test_only_this_try_s_last_modified_edit_of_each_order_is_confirmed() -> None:
    raw = [
        {"id": "a", "price": "1"},
        {"id": "b", "price": "2"},
        {"id": "a", "price": "3"},
        {"id": "c", "price": "4"},
    ]
    prepared, records = accepted(raw)
    records[1].resumed = True  # settled by an earlier try: its book may have moved on since
    records[3].status = EditStatus.REJECTED
    assert [e.index for e in edits_to_confirm(prepared, records, FakeClient())] == [2]
