"""Finding the item that made Bitget refuse a whole batch, without halting the run.

Bitget documents per-item ``code``/``msg`` only for its WebSocket batch-modify; the REST call may
refuse the whole request with the code of one item's problem. Then the other edits of the
request are still good. We first read the book (an edit that landed is kept, never sent again),
then send the edits still open in two halves; a half refused whole again is split the same way.
One bad item among ``n`` costs at most ``2·⌈log2 n⌉`` requests after the first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from airflow_batchmod.exchanges.base import (
    FatalRequestError,
    ItemResult,
    Outcome,
    OutcomeUnknownError,
    PreparedEdit,
    TransientRequestError,
)
from airflow_batchmod.exchanges.bitget.responses import BatchRefusedError

log = logging.getLogger(__name__)

Send = Callable[[Sequence[PreparedEdit]], list[ItemResult]]


def isolate(
    edits: Sequence[PreparedEdit],
    refusal: BatchRefusedError,
    send: Send,
    reconcile: Send,
) -> list[ItemResult]:
    """One result per edit of a request Bitget refused whole with ``refusal``, in the order given.

    ``send`` posts one request (raising the request-level errors), ``reconcile`` reads the book.
    """
    if len(edits) == 1:
        return [_refused(edits[0], refusal)]
    settled: dict[int, ItemResult] = {}
    open_edits: list[PreparedEdit] = []
    for edit, found in zip(edits, reconcile(edits), strict=True):
        if found.outcome is Outcome.RETRY:
            open_edits.append(edit)
        elif found.outcome is Outcome.APPLIED:
            settled[edit.index] = _landed(found)
        else:
            settled[edit.index] = found
    if len(open_edits) == 1:
        # Everything else is settled: the refusal can only be about this edit.
        settled[open_edits[0].index] = _refused(open_edits[0], refusal)
    elif open_edits:
        log.info(
            "Bitget refused %d edits whole (code %s); sending the %d still open in two halves",
            len(edits),
            refusal.code,
            len(open_edits),
        )
        middle = len(open_edits) // 2
        for half in (open_edits[:middle], open_edits[middle:]):
            settled.update((result.index, result) for result in _attempt(half, send, reconcile))
    return [settled[edit.index] for edit in edits]


def _attempt(edits: Sequence[PreparedEdit], send: Send, reconcile: Send) -> list[ItemResult]:
    """One part's request, its request-level failure turned into per-edit results."""
    try:
        return send(edits)
    except BatchRefusedError as refusal:
        return isolate(edits, refusal, send, reconcile)
    except TransientRequestError as exc:
        return [_each(edit, Outcome.RETRY, exc) for edit in edits]
    except OutcomeUnknownError as exc:
        return [_each(edit, Outcome.UNKNOWN, exc) for edit in edits]
    except FatalRequestError as exc:
        # Credentials or permissions: refused on arrival, so nothing of this part was applied.
        # Sent again by the run, the request meets the same refusal and stops the run there,
        # while the edits that landed in the other parts are still reported as modified.
        return [_each(edit, Outcome.RETRY, exc) for edit in edits]


def _each(edit: PreparedEdit, outcome: Outcome, exc: Exception) -> ItemResult:
    code = getattr(exc, "code", None)
    return ItemResult(edit.index, outcome, code=code, message=str(exc))


def _refused(edit: PreparedEdit, refusal: BatchRefusedError) -> ItemResult:
    return ItemResult(edit.index, Outcome.REJECTED, code=refusal.code, message=refusal.message)


def _landed(found: ItemResult) -> ItemResult:
    message = "the book shows the edit (read after Bitget refused its request whole)"
    return ItemResult(found.index, Outcome.APPLIED, order_id=found.order_id, message=message)
