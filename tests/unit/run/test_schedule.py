"""Chunk formation: size, one appearance per order, input order for repeats, batch groups, backoff."""

from __future__ import annotations

from airflow_batchmod.exchanges.base import PreparedEdit
from airflow_batchmod.run.schedule import ChunkScheduler, one_edit_per_order


def edit(index: int, key: str, group: str = "g") -> PreparedEdit:
    return PreparedEdit(index=index, order_key=key, batch_group=group, label=f"e{index}", payload=None)


def drain(scheduler: ChunkScheduler, size: int) -> list[list[int]]:
    """Take chunks one at a time, settling each before the next, like a sequential run."""
    chunks = []
    while chunk := scheduler.take(size, now=0.0):
        chunks.append([e.index for e in chunk])
        for e in chunk:
            scheduler.settle(e.index)
    return chunks


def test_45_distinct_orders_make_chunks_of_20_20_5() -> None:
    scheduler = ChunkScheduler([edit(i, f"o{i}") for i in range(45)])
    assert [len(c) for c in drain(scheduler, 20)] == [20, 20, 5]


def test_order_listed_twice_goes_in_two_requests_in_input_order() -> None:
    edits = [edit(0, "a"), edit(1, "b"), edit(2, "a"), edit(3, "c")]
    chunks = drain(ChunkScheduler(edits), 20)
    assert chunks == [[0, 1, 3], [2]]


def test_later_edit_waits_while_earlier_is_in_flight() -> None:
    scheduler = ChunkScheduler([edit(0, "a"), edit(1, "a")])
    assert [e.index for e in scheduler.take(20, 0.0)] == [0]
    assert scheduler.take(20, 0.0) == []
    scheduler.settle(0)
    assert [e.index for e in scheduler.take(20, 0.0)] == [1]


def test_batch_groups_never_share_a_chunk() -> None:
    edits = [edit(0, "a", "spot"), edit(1, "b", "futures"), edit(2, "c", "spot")]
    chunks = drain(ChunkScheduler(edits), 20)
    assert chunks == [[0, 2], [1]]


def test_backed_off_edit_is_not_due_until_its_time() -> None:
    scheduler = ChunkScheduler([edit(0, "a"), edit(1, "a")])
    scheduler.take(20, 0.0)
    scheduler.retry_later([0], not_before=5.0)
    assert scheduler.take(20, now=4.9) == []
    assert scheduler.next_due() == 5.0
    assert [e.index for e in scheduler.take(20, now=5.0)] == [0]


def test_a_held_edit_and_its_order_s_later_edits_wait_until_its_time() -> None:
    scheduler = ChunkScheduler([edit(0, "a"), edit(1, "b"), edit(2, "a")], held={0: 30.0})
    assert [e.index for e in scheduler.take(20, 0.0)] == [1]
    assert scheduler.next_due() == 30.0 and scheduler.take(20, 29.9) == []
    assert [e.index for e in scheduler.take(20, 30.0)] == [0]
    scheduler.settle(0)
    assert [e.index for e in scheduler.take(20, 30.0)] == [2]


def test_edits_sent_back_together_go_out_together() -> None:
    scheduler = ChunkScheduler([edit(i, f"o{i}") for i in range(10)])
    first = scheduler.take(4, 0.0)
    assert [e.index for e in first] == [0, 1, 2, 3]
    scheduler.retry_later([e.index for e in first], not_before=1.0)
    assert [e.index for e in scheduler.take(10, 0.5)] == [4, 5, 6, 7, 8, 9]
    # One backoff for the whole request: all four come back in one chunk.
    assert [e.index for e in scheduler.take(10, 1.0)] == [0, 1, 2, 3]


def test_in_doubt_edits_are_asked_about_together_one_edit_per_order_per_question() -> None:
    edits = [edit(0, "a"), edit(1, "b"), edit(2, "a"), edit(3, "c"), edit(4, "a")] + [
        edit(i, f"o{i}") for i in range(5, 200)
    ]
    batches = [[e.index for e in batch] for batch in one_edit_per_order(edits)]
    assert batches == [[0, 1, 3, *range(5, 200)], [2], [4]]
