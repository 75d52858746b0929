"""Does the book show an accepted Hyperliquid edit? One open-orders read for all edits,
``orderStatus`` only for the orders the list does not show.

Edits arrive retargeted to the order that carries them (the replacement's oid), so a
replacement that filled or triggered since shows the edit took effect; one cancelled or
unknown is gone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from airflow_batchmod.exchanges.base import (
    Confirmation,
    ItemResult,
    Landing,
    Outcome,
    PreparedEdit,
    ReconcileError,
)
from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.exchanges.hyperliquid.book import quote, quote_of, same_quote
from airflow_batchmod.exchanges.hyperliquid.info import InfoReader
from airflow_batchmod.exchanges.hyperliquid.models import describe_target
from airflow_batchmod.exchanges.hyperliquid.orders import OrderView
from airflow_batchmod.exchanges.hyperliquid.planning import payload_of

log = logging.getLogger(__name__)

#: ``orderStatus`` lookups in flight at once; the client's limiter paces them all.
PARALLEL_LOOKUPS = 4
#: States of a replacement order that prove the modify took effect.
TOOK_EFFECT = frozenset({"filled", "triggered"})


def judge_landing(edit: PreparedEdit, order: OrderView | None) -> Confirmation:
    """What ``order`` (the order carrying ``edit``, as the book shows it now) says about the edit."""
    target = describe_target(payload_of(edit).target)
    if order is None:
        return Confirmation(edit.index, Landing.GONE, message=f"order {target} is unknown to the exchange")
    if order.status == "open":
        shown = quote_of(order)
        placed = quote(order.price, order.orig_size) if order.price is not None and order.orig_size else None
        landed = placed if placed is not None else shown
        if landed is not None and edit.wanted is not None and same_quote(landed, edit.wanted):
            # Judged by identity (the order carrying the edit) and what it was placed with: a
            # replacement that has partly filled since still carries the edit.
            return Confirmation(edit.index, Landing.LANDED, after=shown, message=_filled_since(order))
        described = shown.describe() if shown is not None else "other values"
        return Confirmation(edit.index, Landing.PENDING, message=f"book still shows {described}")
    if order.status in TOOK_EFFECT and order.price is not None and order.orig_size is not None:
        # The replacement order was placed with the edit's values and has traded since.
        after = quote(order.price, order.orig_size)
        return Confirmation(edit.index, Landing.LANDED, after=after, message=f"order is {order.status} since")
    return Confirmation(edit.index, Landing.GONE, message=f"order {target} is {order.status}")


class FinalAnswers:
    """The edits whose modify answered with the oid of the replacement (``resting`` or
    ``filled``): Hyperliquid applies a modify before it answers, so that answer is final and the
    book need not be read again for them. Edits settled by asking (reconciliation) are not here."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._oids: dict[int, str] = {}

    def note(self, results: Sequence[ItemResult]) -> None:
        with self._lock:
            for result in results:
                if result.outcome is Outcome.APPLIED and result.order_id is not None:
                    self._oids[result.index] = result.order_id

    def split(self, edits: Sequence[PreparedEdit]) -> tuple[list[Confirmation], list[PreparedEdit]]:
        """Landed answers for the edits answered for good; the edits whose book must be read."""
        final: list[Confirmation] = []
        doubtful: list[PreparedEdit] = []
        with self._lock:
            for edit in edits:
                answered = self._oids.get(edit.index)
                if answered is not None and answered == str(payload_of(edit).target) and edit.wanted:
                    final.append(Confirmation(edit.index, Landing.LANDED, after=edit.wanted))
                else:
                    doubtful.append(edit)
        return final, doubtful


def _filled_since(order: OrderView) -> str | None:
    """Says how much of the replacement traded since it was placed (None: none did)."""
    if order.size is None or order.orig_size is None or order.size >= order.orig_size:
        return None
    filled = format_decimal(order.orig_size - order.size)
    return f"resting {format_decimal(order.size)} of {format_decimal(order.orig_size)}; {filled} filled since"


def confirm_edits(info: InfoReader, user: str, edits: Sequence[PreparedEdit]) -> list[Confirmation]:
    """One ``frontendOpenOrders`` read for all ``edits``; ``orderStatus`` only for the orders it
    does not list. Raises :class:`ReconcileError` when the list cannot be read."""
    if not edits:
        return []
    listed = info.open_orders(user)
    by_oid = {order.oid: order for order in listed}
    by_cloid = {order.cloid: order for order in listed if order.cloid is not None}
    answers: dict[int, Confirmation] = {}
    rest: list[PreparedEdit] = []
    for edit in edits:
        payload = payload_of(edit)
        target = payload.target
        carrier = by_cloid.get(target) if isinstance(target, str) else by_oid.get(target)
        if carrier is None:
            rest.append(edit)
        else:
            answers[edit.index] = judge_landing(edit, carrier)

    def look_up(edit: PreparedEdit) -> Confirmation:
        target = payload_of(edit).target
        try:
            return judge_landing(edit, info.order_status(user, target))
        except ReconcileError as exc:
            return Confirmation(edit.index, Landing.PENDING, message=f"lookup failed: {exc.message}")

    if rest:
        with ThreadPoolExecutor(min(PARALLEL_LOOKUPS, len(rest)), "hl-confirm") as pool:
            for answer in pool.map(look_up, rest):
                answers[answer.index] = answer
    log.info(
        "Read the Hyperliquid book for %d edits: %d from the open-orders list, %d by order status",
        len(edits),
        len(edits) - len(rest),
        len(rest),
    )
    return [answers[edit.index] for edit in edits]
