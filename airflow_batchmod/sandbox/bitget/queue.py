"""Bitget's "continuous modification": accepted items applied later, in sequence, 5 deep per order.

Nothing runs in the background. Queued items whose time has come are applied whenever the
sandbox next looks at its state (any request, any admin call), stamped with the time they were
due. Seen from outside, through HTTP, that is the same as applying them on time.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from airflow_batchmod.sandbox.bitget.errors import ItemFailure, skipped
from airflow_batchmod.sandbox.bitget.modify import ModifyItem, apply_change, fail
from airflow_batchmod.sandbox.bitget.state import BitgetBook, BitgetOrder

#: Queued modifications one order may have; the next gets 25572.
MAX_QUEUED_PER_ORDER = 5


@dataclass(order=True)
class _Queued:
    due_ms: int
    seq: int
    item: ModifyItem = field(compare=False)
    order: BitgetOrder = field(compare=False)
    skip: bool = field(default=False, compare=False)


class ModificationQueue:
    def __init__(self) -> None:
        self._heap: list[_Queued] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._heap)

    def is_full(self, order: BitgetOrder) -> bool:
        return order.pending >= MAX_QUEUED_PER_ORDER

    def add(self, item: ModifyItem, order: BitgetOrder, due_ms: int) -> None:
        self._seq += 1
        order.pending += 1
        heapq.heappush(self._heap, _Queued(due_ms, self._seq, item, order))

    def run_due(self, now_ms: int, renew_in: BitgetBook | None = None) -> int:
        """Apply every item due by ``now_ms``, oldest first; returns how many ran.

        ``renew_in`` (``bitget_modify_new_order_id``): each applied item rests the order under a
        new orderId in that book, and a later item of the same order follows it there.
        """
        ran = 0
        while self._heap and self._heap[0].due_ms <= now_ms:
            entry = heapq.heappop(self._heap)
            entry.order.pending -= 1
            due_ms = entry.due_ms
            order = latest(entry.order, renew_in)
            try:
                if entry.skip:
                    raise skipped()
                apply_change(entry.item, order, due_ms, renew_in=renew_in)
            except ItemFailure as failure:
                fail(entry.item, order, failure, due_ms)
                # Later queued modifications of the same order are skipped, as the exchange does (25573).
                for later in self._heap:
                    if later.order is entry.order:
                        later.skip = True
            ran += 1
        return ran

    def clear(self) -> None:
        for entry in self._heap:
            entry.order.pending -= 1
        self._heap.clear()


def latest(order: BitgetOrder, book: BitgetBook | None) -> BitgetOrder:
    """The order that now carries ``order``'s place: itself, or the copy an applied modify
    rested under a new orderId (followed through every renewal)."""
    while book is not None and order.replaced_by is not None:
        successor = book.by_id.get((order.uid, order.replaced_by))
        if successor is None:
            break
        order = successor
    return order
