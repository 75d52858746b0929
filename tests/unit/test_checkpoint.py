"""The progress journal: what a later try recovers from what an earlier try wrote."""

from __future__ import annotations

from typing import Any

from airflow_batchmod.operators.checkpoint import Journal, MemoryStore, SettledEdit, fingerprint


def test_settled_edits_and_in_doubt_edits_are_recovered() -> None:
    store = MemoryStore()
    first = Journal(store, "fp")
    first.recover()
    entry = first.open_entry([0, 1, 2])
    first.close_entry(entry, [0, 1, 2], [(0, SettledEdit("modified", "900", None, None, 1))], [(1, 1)])
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
        journal.close_entry(entry, [5], [], [(5, 2)])
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


class BrokenStore:
    def get(self, key: str, default: Any = None) -> Any:
        raise RuntimeError("state store is down")

    def set(self, key: str, value: Any) -> None:
        raise RuntimeError("state store is down")


def test_broken_store_degrades_without_raising() -> None:
    journal = Journal(BrokenStore(), "fp")
    assert journal.recover().entries == 0
    entry = journal.open_entry([0])
    journal.close_entry(entry, [0], [], [])
