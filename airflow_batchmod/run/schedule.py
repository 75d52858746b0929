"""Which edits may go into the next request.

Rules: an order's edits go out one at a time and in input order (a later edit of an order
waits until the earlier one has settled), a request never names an order twice, edits of
different batch groups never share a request, and an edit waiting out a backoff (or held, see
:class:`ChunkScheduler`) is not due.
Edits sent back by one answer wait out one backoff and become due at once, so a request that
failed as a whole goes out again as a whole.
"""

from __future__ import annotations

import collections
import heapq
from collections.abc import Mapping, Sequence

from airflow_batchmod.exchanges.base import PreparedEdit


class ChunkScheduler:
    """``held`` maps edits to the time before which they are not due, even at their order's head."""

    def __init__(self, edits: Sequence[PreparedEdit], held: Mapping[int, float] | None = None) -> None:
        self._edits = {edit.index: edit for edit in edits}
        self._held = dict(held or {})
        self._queues: dict[str, collections.deque[int]] = collections.defaultdict(collections.deque)
        for edit in sorted(edits, key=lambda e: e.index):
            self._queues[edit.order_key].append(edit.index)
        # Heads of idle order queues, by input position; the smallest index goes first.
        self._ready: list[int] = []
        self._waiting: list[tuple[float, int]] = []
        for queue in self._queues.values():
            self._make_ready(queue[0])

    def next_due(self) -> float | None:
        """When the earliest backed-off edit becomes due, if any is waiting."""
        return self._waiting[0][0] if self._waiting else None

    def take(self, limit: int, now: float) -> list[PreparedEdit]:
        """Up to ``limit`` due edits of one batch group, each of a different order, in input order."""
        self._release_due(now)
        chunk: list[PreparedEdit] = []
        skipped: list[int] = []
        group: str | None = None
        while self._ready and len(chunk) < limit:
            index = heapq.heappop(self._ready)
            edit = self._edits[index]
            if group is not None and edit.batch_group != group:
                skipped.append(index)
                continue
            group = edit.batch_group
            chunk.append(edit)
        for index in skipped:
            heapq.heappush(self._ready, index)
        return chunk

    def settle(self, index: int, not_before: float | None = None) -> None:
        """The edit is final: its order's next edit, if any, becomes ready (at ``not_before``)."""
        key = self._edits[index].order_key
        queue = self._queues[key]
        queue.remove(index)
        if queue:
            if not_before is not None:
                self._held[queue[0]] = max(not_before, self._held.get(queue[0], not_before))
            self._make_ready(queue[0])

    def retry_later(self, indices: Sequence[int], not_before: float) -> None:
        """These edits were not applied and go again once ``not_before`` has passed.

        They become due together, so they go out together in as few requests as fit.
        """
        for index in indices:
            heapq.heappush(self._waiting, (not_before, index))

    def _make_ready(self, index: int) -> None:
        held = self._held.pop(index, None)
        if held is None:
            heapq.heappush(self._ready, index)
        else:
            heapq.heappush(self._waiting, (held, index))

    def _release_due(self, now: float) -> None:
        while self._waiting and self._waiting[0][0] <= now:
            _, index = heapq.heappop(self._waiting)
            heapq.heappush(self._ready, index)


def one_edit_per_order(edits: Sequence[PreparedEdit]) -> list[list[PreparedEdit]]:
    """Split ``edits`` into as few batches as keep every order to one edit per batch, in order."""
    batches: list[list[PreparedEdit]] = []
    seen: list[set[str]] = []
    for edit in edits:
        for batch, keys in zip(batches, seen, strict=True):
            if edit.order_key not in keys:
                batch.append(edit)
                keys.add(edit.order_key)
                break
        else:
            batches.append([edit])
            seen.append({edit.order_key})
    return batches
