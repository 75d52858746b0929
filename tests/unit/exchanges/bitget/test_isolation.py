"""Isolating the item that made Bitget refuse a whole batch: results, and the request bound."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from airflow_batchmod.exchanges.base import (
    FatalRequestError,
    ItemResult,
    Outcome,
    OutcomeUnknownError,
    PreparedEdit,
)
from airflow_batchmod.exchanges.bitget.isolation import isolate
from airflow_batchmod.exchanges.bitget.responses import BatchRefusedError


def edits(count: int) -> list[PreparedEdit]:
    return [PreparedEdit(i, f"orderId:{i}", "USDT-FUTURES", f"#{i}", None) for i in range(count)]


class Venue:
    """Refuses any request holding a bad edit whole; applies the others; remembers what landed."""

    def __init__(self, bad: set[int], landed: set[int] | None = None) -> None:
        self.bad = bad
        self.landed = set(landed or ())
        self.requests: list[list[int]] = []

    def send(self, part: Sequence[PreparedEdit]) -> list[ItemResult]:
        self.requests.append([e.index for e in part])
        culprit = next((e for e in part if e.index in self.bad), None)
        if culprit is not None:
            raise BatchRefusedError(f"item {culprit.index} is bad", code="25568")
        self.landed.update(e.index for e in part)
        return [ItemResult(e.index, Outcome.APPLIED, order_id=str(e.index)) for e in part]

    def reconcile(self, part: Sequence[PreparedEdit]) -> list[ItemResult]:
        return [
            ItemResult(e.index, Outcome.APPLIED if e.index in self.landed else Outcome.RETRY) for e in part
        ]


def run(venue: Venue, batch: list[PreparedEdit]) -> list[ItemResult]:
    try:
        return venue.send(batch)
    except BatchRefusedError as refusal:
        return isolate(batch, refusal, venue.send, venue.reconcile)


@pytest.mark.parametrize("count", [2, 3, 5, 7, 8, 13, 16, 20])
def test_one_bad_item_is_found_within_the_bound(count: int) -> None:
    for bad in range(count):
        venue = Venue({bad})
        results = run(venue, edits(count))
        assert [r.outcome for r in results] == [
            Outcome.REJECTED if i == bad else Outcome.APPLIED for i in range(count)
        ]
        assert results[bad].code == "25568"
        assert len(venue.requests) <= 2 * math.ceil(math.log2(count)) + 2, (bad, venue.requests)
        assert sorted(venue.landed) == [i for i in range(count) if i != bad]


def test_edits_the_book_shows_are_not_sent_again() -> None:
    venue = Venue({4}, landed={0, 1, 2})
    results = run(venue, edits(6))
    assert [r.outcome for r in results[:3]] == [Outcome.APPLIED] * 3
    assert all(0 not in r and 1 not in r and 2 not in r for r in venue.requests[1:])
    assert results[4].outcome is Outcome.REJECTED


def test_two_bad_items_are_both_rejected() -> None:
    venue = Venue({1, 6})
    results = run(venue, edits(8))
    assert [i for i, r in enumerate(results) if r.outcome is Outcome.REJECTED] == [1, 6]


def test_credentials_refused_mid_way_leave_the_rest_to_the_run() -> None:
    class Locked(Venue):
        def send(self, part: Sequence[PreparedEdit]) -> list[ItemResult]:
            if len(self.requests) >= 1:
                self.requests.append([e.index for e in part])
                raise FatalRequestError("apikey/password is incorrect", code="40012")
            return super().send(part)

    venue = Locked({2})
    results = run(venue, edits(4))
    # Nothing was applied after the refusal: the run sends them again and stops on the same refusal.
    assert [r.outcome for r in results] == [Outcome.RETRY] * 4
    assert {r.code for r in results} == {"40012"}


def test_a_lost_answer_while_splitting_is_reconciled_by_the_run() -> None:
    class Lossy(Venue):
        def send(self, part: Sequence[PreparedEdit]) -> list[ItemResult]:
            if len(self.requests) == 1:
                self.requests.append([e.index for e in part])
                raise OutcomeUnknownError("no response after sending")
            return super().send(part)

    venue = Lossy({3})
    results = run(venue, edits(4))
    assert [r.outcome for r in results[:2]] == [Outcome.UNKNOWN] * 2
    assert results[3].outcome is Outcome.REJECTED
