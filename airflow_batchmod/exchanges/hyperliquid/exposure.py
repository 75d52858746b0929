"""How much an original order filled while an always-place modify replaced it.

``"a": true`` places the new order whatever happened to the cancel: an original that filled
meanwhile (wholly or in part) stays traded, and the replacement rests the edit's full size on top
of it, since a modify's size is absolute. After such a modify the original's ``orderStatus``
(weight 2, only for always-place edits) says how much of it filled since the plan read the book:
that is ``original_filled``; any of it means more exposure than the edit asked for, which is
logged as a WARNING and said in the entry's message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from airflow_batchmod.exchanges.base import ItemResult, Outcome, PreparedEdit, ReconcileError
from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.exchanges.hyperliquid.info import InfoReader
from airflow_batchmod.exchanges.hyperliquid.planning import payload_of

log = logging.getLogger(__name__)


def note_original_fills(
    info: InfoReader, user: str, edits: Sequence[PreparedEdit], results: Sequence[ItemResult]
) -> list[ItemResult]:
    """``results`` with ``original_filled`` set for the applied always-place edits."""
    by_index = {edit.index: edit for edit in edits}
    noted = []
    for result in results:
        edit = by_index.get(result.index)
        if edit is not None and result.outcome is Outcome.APPLIED and payload_of(edit).always_place:
            result = _with_original_fill(info, user, edit, result)
        noted.append(result)
    return noted


def _with_original_fill(info: InfoReader, user: str, edit: PreparedEdit, result: ItemResult) -> ItemResult:
    payload = payload_of(edit)
    if payload.known_oid is None or edit.before is None:
        return result
    try:
        original = info.order_status(user, payload.known_oid)
    except ReconcileError as exc:
        note = f"could not read how much order {payload.known_oid} filled during the modify: {exc.message}"
        log.warning("edit #%d: %s", edit.index, note)
        return replace(result, message=_joined(result.message, note))
    if original is None:
        return result
    resting_then = Decimal(edit.before.size)
    resting_now = Decimal(0) if original.status == "filled" or original.size is None else original.size
    filled = resting_then - resting_now
    if filled <= 0:
        return result
    asked = edit.wanted.size if edit.wanted is not None else "?"
    warning = (
        f"order {payload.known_oid} filled {format_decimal(filled)} during the modify and the replacement "
        f"rests {asked} too (always_place): exposure exceeds the {asked} the edit asked for"
    )
    log.warning("edit #%d: %s", edit.index, warning)
    return replace(result, original_filled=format_decimal(filled), message=_joined(result.message, warning))


def _joined(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second
