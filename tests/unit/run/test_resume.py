"""A resumed try judges each edit against the first try's plan and the book of now."""

from __future__ import annotations

import logging

from airflow_batchmod.exchanges.base import PlannedSkip, PlanStatus, Preparation, PreparedEdit, Quote
from airflow_batchmod.run.journal import Journal, MemoryStore, PlannedEdit, SettledEdit
from airflow_batchmod.run.records import EditRecord, EditStatus
from airflow_batchmod.run.resume import begin, judge, resume_line, settled_entries

LOG = logging.getLogger(__name__)
OLD, NEW, OTHER = Quote("100", "1"), Quote("101", "1"), Quote("99.5", "1")


def edit(index: int, book: Quote, wanted: Quote = NEW, key: str | None = None) -> PreparedEdit:
    return PreparedEdit(
        index, key or f"order:{index}", "g", f"#{index}", payload=None, before=book, wanted=wanted
    )


def skip(index: int, status: PlanStatus, book: Quote | None, key: str | None = None) -> PlannedSkip:
    return PlannedSkip(index, key or f"order:{index}", f"#{index}", status, book, order_id=str(index))


def first_try(journal: Journal, preparation: Preparation) -> None:
    """The first try: plan recorded, then everything sent and the worker killed before any answer."""
    begin(journal, preparation, [], LOG)
    journal.open_entry([e.index for e in preparation.edits])


def test_a_first_try_records_its_plan_before_sending() -> None:
    store = MemoryStore()
    preparation = Preparation([edit(0, OLD)], [], [skip(1, PlanStatus.UNCHANGED, NEW)])
    planned = [EditRecord(1, "order:1", "#1", EditStatus.UNCHANGED, before=NEW, after=NEW)]
    resumption = begin(Journal(store, "fp"), preparation, planned, LOG)
    assert [e.index for e in resumption.edits] == [0] and resumption.records == planned
    recovered = Journal(store, "fp").recover()
    assert recovered.plans == {0: PlannedEdit(OLD, NEW), 1: PlannedEdit(NEW, NEW)}
    assert recovered.settled == {1: SettledEdit("unchanged", None, None, None, 0)}


def test_an_edit_in_doubt_that_the_book_shows_is_modified_and_reconciled() -> None:
    store = MemoryStore()
    first_try(Journal(store, "fp"), Preparation([edit(0, OLD)], []))
    journal = Journal(store, "fp")
    resumption = begin(journal, Preparation([], [], [skip(0, PlanStatus.UNCHANGED, NEW)]), [], LOG)
    [record] = resumption.records
    assert record.status is EditStatus.MODIFIED and record.reconciled
    assert (record.before, record.wanted, record.after) == (OLD, NEW, NEW)
    assert record.attempts == 1 and "earlier try" in (record.message or "")
    assert resumption.edits == [] and resumption.book_reconciliations == 1


def test_an_edit_planned_against_a_book_that_moved_is_superseded_and_not_sent() -> None:
    store = MemoryStore()
    first_try(Journal(store, "fp"), Preparation([edit(0, OLD), edit(1, OLD)], []))
    # Another run moved both orders to OTHER; edit 0 was in doubt, edit 1 too.
    resumption = begin(Journal(store, "fp"), Preparation([edit(0, OTHER), edit(1, OTHER)], []), [], LOG)
    assert resumption.edits == []
    assert [r.status for r in resumption.records] == [EditStatus.SUPERSEDED] * 2
    assert resumption.records[0].before == OLD and resumption.records[0].wanted == NEW
    assert "99.5 x 1" in (resumption.records[0].message or "")


def test_an_edit_whose_book_still_shows_the_plan_is_sent_and_asked_about_first_when_in_doubt() -> None:
    store = MemoryStore()
    journal = Journal(store, "fp")
    begin(journal, Preparation([edit(0, OLD), edit(1, OLD)], []), [], LOG)
    journal.open_entry([0])  # edit 1 was never sent
    resumption = begin(Journal(store, "fp"), Preparation([edit(0, OLD), edit(1, OLD)], []), [], LOG)
    assert [e.index for e in resumption.edits] == [0, 1]
    assert resumption.in_doubt == {0}
    assert resumption.earlier_attempts == {0: 1}


def test_edits_an_earlier_try_settled_for_good_keep_their_outcome() -> None:
    store = MemoryStore()
    journal = Journal(store, "fp")
    begin(journal, Preparation([edit(0, OLD, key="order:x"), edit(1, OLD)], []), [], LOG)
    journal.record_outcomes(
        [(0, SettledEdit("modified", "777", None, None, 1)), (1, SettledEdit("failed", None, "429", None, 5))]
    )
    resumption = judge(
        Preparation([edit(0, NEW, key="order:x"), edit(1, OLD)], []), Journal(store, "fp").recover()
    )
    [record] = resumption.records
    assert record.status is EditStatus.MODIFIED and record.resumed and record.order_id == "777"
    assert resumption.order_ids == {"order:x": "777"}
    # failed means certainly not applied: the book still shows the plan, so it goes again.
    assert [e.index for e in resumption.edits] == [1]


def test_an_order_listed_twice_may_show_its_earlier_edits_wanted() -> None:
    store = MemoryStore()
    journal = Journal(store, "fp")
    second = Quote("102", "1")
    begin(journal, Preparation([edit(0, OLD, NEW, "order:x"), edit(1, OLD, second, "order:x")], []), [], LOG)
    journal.record_outcomes([(0, SettledEdit("modified", "5", None, None, 1))])
    # The book shows what edit 0 wanted: edit 1 was planned to follow it, so it is not stale.
    now = Preparation([edit(1, NEW, second, "order:x")], [], [skip(0, PlanStatus.UNCHANGED, NEW, "order:x")])
    resumption = judge(now, Journal(store, "fp").recover())
    assert [e.index for e in resumption.edits] == [1] and resumption.superseded == 0


def test_a_sent_edit_whose_order_is_gone_is_not_open_and_says_it_was_sent() -> None:
    store = MemoryStore()
    first_try(Journal(store, "fp"), Preparation([edit(0, OLD)], []))
    resumption = judge(
        Preparation([], [], [skip(0, PlanStatus.NOT_OPEN, None)]), Journal(store, "fp").recover()
    )
    [record] = resumption.records
    assert record.status is EditStatus.NOT_OPEN and "earlier try sent" in (record.message or "")
    assert record.before == OLD


def test_only_new_final_outcomes_go_to_the_journal() -> None:
    records = [
        EditRecord(0, "a", "a", EditStatus.MODIFIED, order_id="1"),
        EditRecord(1, "b", "b", EditStatus.MODIFIED, resumed=True),
        EditRecord(2, "c", "c", EditStatus.FAILED),
        EditRecord(3, "d", "d", EditStatus.SUPERSEDED),
        EditRecord(4, "e", "e", EditStatus.UNKNOWN),
    ]
    assert [index for index, _ in settled_entries(records)] == [0, 3]


def test_the_resume_line_counts_what_it_found() -> None:
    store = MemoryStore()
    first_try(Journal(store, "fp"), Preparation([edit(0, OLD), edit(1, OLD), edit(2, OLD)], []))
    recovered = Journal(store, "fp").recover()
    resumption = judge(
        Preparation([edit(1, OLD), edit(2, OTHER)], [], [skip(0, PlanStatus.UNCHANGED, NEW)]), recovered
    )
    line = resume_line(resumption, recovered)
    assert "0 edits settled by earlier tries" in line
    assert "3 in doubt (1 shown landed by the book, 1 to ask the exchange about)" in line
    assert "1 superseded" in line and "0 to send" in line
