"""The progress journal: what a later try recovers from what an earlier try wrote."""

from __future__ import annotations

import pytest

from airflow_batchmod.exchanges.base import Quote
from airflow_batchmod.run.journal import (
    ENTRY_PIECE,
    CheckpointUnreadable,
    CheckpointWriteError,
    Journal,
    MemoryStore,
    PlannedEdit,
    SettledEdit,
    fingerprint,
)
from tests.support.stores import FailingReads, FailingWrites


def test_settled_edits_and_in_doubt_edits_are_recovered() -> None:
    store = MemoryStore()
    first = Journal(store, "fp")
    first.recover()
    entry = first.open_entry([0, 1, 2])
    first.close_entry(entry, [0, 1, 2], [(0, SettledEdit("modified", "900", None, None, 1))], [1])
    first.open_entry([1, 3])  # the worker dies here: 1 and 3 were sent, nothing settled

    recovered = Journal(store, "fp").recover()
    assert recovered.settled == {0: SettledEdit("modified", "900", None, None, 1)}
    # 2 was sent and never settled or requeued; 1 and 3 were in flight at the crash.
    assert recovered.in_doubt == {1, 2, 3}
    assert recovered.entries == 2


def test_requeued_edit_is_not_in_doubt_and_its_sends_are_counted() -> None:
    store = MemoryStore()
    journal = Journal(store, "fp")
    for _ in range(2):
        entry = journal.open_entry([5])
        journal.close_entry(entry, [5], [], [5])
    recovered = Journal(store, "fp").recover()
    assert recovered.in_doubt == set()
    assert recovered.attempts == {5: 2}


def test_a_later_try_retries_failed_edits_and_asks_about_unknown_ones() -> None:
    store = MemoryStore()
    journal = Journal(store, "fp")
    entry = journal.open_entry([0, 1, 2])
    journal.close_entry(
        entry,
        [0, 1, 2],
        [
            (0, SettledEdit("failed", None, "429", "gave up after 5 attempts", 5)),
            (1, SettledEdit("unknown", None, None, "reconcile failed", 1)),
            (2, SettledEdit("rejected", None, "25204", "Order does not exist", 1)),
        ],
        [],
    )
    recovered = Journal(store, "fp").recover()
    # failed was certainly not applied: send it again; unknown: ask first; rejected is final.
    assert set(recovered.settled) == {2}
    assert recovered.in_doubt == {1}
    assert recovered.attempts == {0: 1, 1: 1, 2: 1}


def test_other_input_lists_do_not_share_a_journal() -> None:
    store = MemoryStore()
    journal = Journal(store, fingerprint("conn", [{"orderId": "1"}]))
    journal.open_entry([0])
    other = Journal(store, fingerprint("conn", [{"orderId": "2"}])).recover()
    assert other.entries == 0
    assert fingerprint("conn", [{"a": 1}]) != fingerprint("other_conn", [{"a": 1}])


def journal_with_entries(count: int) -> MemoryStore:
    store = MemoryStore()
    journal = Journal(store, "fp")
    journal.recover()
    for n in range(count):
        entry = journal.open_entry([n])
        journal.close_entry(entry, [n], [(n, SettledEdit("modified", str(900 + n), None, None, 1))], [])
    return store


def test_an_unreadable_read_at_any_position_fails_closed() -> None:
    store = journal_with_entries(4)
    keys = [*sorted(store.data), None]  # every key, then every read failing
    assert len(keys) == 6  # the head and four entries
    for key in keys:
        with pytest.raises(CheckpointUnreadable, match="cannot be read") as caught:
            Journal(FailingReads(store.data, key), "fp").recover()
        assert "clear this task's state store" in str(caught.value)


def test_a_gap_in_the_journal_fails_closed() -> None:
    store = journal_with_entries(4)
    del store.data["batchmod.fp.0.1"]
    with pytest.raises(CheckpointUnreadable, match="entry 1 of 4 is missing"):
        Journal(store, "fp").recover()


def test_an_unknown_version_or_a_malformed_entry_fails_closed() -> None:
    store = journal_with_entries(2)
    store.set("batchmod.fp.0.1", {"sent": "nonsense", "settled": [[1, "modified"]]})
    with pytest.raises(CheckpointUnreadable, match="entry 1 is malformed"):
        Journal(store, "fp").recover()
    store.set("batchmod.fp.head", {"version": 99, "generation": "0", "entries": 2})
    with pytest.raises(CheckpointUnreadable, match="version 99"):
        Journal(store, "fp").recover()
    old = MemoryStore()
    old.set("batchmod.v1.fp.0", {"sent": [0]})
    with pytest.raises(CheckpointUnreadable, match="older version"):
        Journal(old, "fp").recover()


def test_an_entry_written_just_before_a_crash_is_read_although_the_head_does_not_count_it() -> None:
    store = journal_with_entries(1)
    store.set("batchmod.fp.0.1", {"sent": [7]})  # the head write that would count it never happened
    recovered = Journal(store, "fp").recover()
    assert recovered.entries == 2
    assert recovered.in_doubt == {7}


def test_a_write_that_fails_before_a_send_raises_and_a_failed_close_does_not() -> None:
    journal = Journal(FailingWrites(writes=1), "fp")
    journal.recover()
    with pytest.raises(CheckpointWriteError):
        journal.open_entry([0])  # the entry was written, the head could not be
    store = FailingWrites(writes=2)
    journal = Journal(store, "fp")
    entry = journal.open_entry([0])
    journal.close_entry(entry, [0], [(0, SettledEdit("modified", "9", None, None, 1))], [])
    assert Journal(store, "fp").recover().in_doubt == {0}  # not recorded as settled: asked about next try


def test_restart_ignores_earlier_tries() -> None:
    store = journal_with_entries(3)
    fresh = Journal(store, "fp")
    fresh.restart()
    assert fresh.recover().entries == 0
    fresh.open_entry([5])
    recovered = Journal(store, "fp").recover()
    assert recovered.entries == 1 and recovered.in_doubt == {5} and recovered.settled == {}


def test_the_plan_and_later_outcomes_are_recovered_with_the_first_tries_quotes() -> None:
    store = MemoryStore()
    first = Journal(store, "fp")
    first.recover()
    plans = [(i, PlannedEdit(Quote("100", "1"), Quote(str(101 + i), "1"))) for i in range(1200)]
    first.record_plan(plans, [(7, SettledEdit("unchanged", "7", None, None, 0))])
    entry = first.open_entry([0, 1])
    first.record_outcomes([(1, SettledEdit("modified", "901", None, "reconciled", 1))])

    recovered = Journal(store, "fp").recover()
    # 1200 plan rows in pieces of ENTRY_PIECE, one chunk entry, one outcome entry.
    assert recovered.entries == -(-1200 // ENTRY_PIECE) + 2
    assert recovered.plans[0] == PlannedEdit(Quote("100", "1"), Quote("101", "1"))
    assert recovered.plans[1199].wanted == Quote("1300", "1")
    assert set(recovered.settled) == {1, 7}
    assert recovered.in_doubt == {0}
    assert entry == -(-1200 // ENTRY_PIECE)


def test_a_plan_that_cannot_be_recorded_raises_before_anything_is_sent() -> None:
    journal = Journal(FailingWrites(0), "fp")
    with pytest.raises(CheckpointWriteError):
        journal.record_plan([(0, PlannedEdit(None, None))], [])


def test_outcomes_that_cannot_be_recorded_are_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    Journal(FailingWrites(0), "fp").record_outcomes([(0, SettledEdit("modified", "1", None, None, 1))])
    assert "Could not record 1 outcomes" in caplog.text


def test_a_journal_of_the_previous_version_is_refused() -> None:
    store = MemoryStore()
    store.set("batchmod.fp.head", {"version": 2, "generation": "0", "entries": 1})
    with pytest.raises(CheckpointUnreadable, match="version 2"):
        Journal(store, "fp").recover()
