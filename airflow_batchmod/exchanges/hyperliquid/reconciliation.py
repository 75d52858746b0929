"""Finding out whether in-doubt modifies took effect.

A modify is cancel-and-replace, done in one step by the exchange: either the original order
is still there unchanged, or it is gone and a new order carries the cloid we sent. One read of
the open orders settles every edit whose original or replacement is still open; only the rest
(filled, cancelled, never found) are asked about one by one with ``orderStatus``.

Nothing is asked before the actions in doubt have expired (``expiresAfter``): a request still
queued when we look would otherwise land after the lookup said "not applied", and the resend
would modify the order a second time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from airflow_batchmod.exchanges.base import ItemResult, Outcome, PreparedEdit, ReconcileError
from airflow_batchmod.exchanges.hyperliquid.info import InfoReader
from airflow_batchmod.exchanges.hyperliquid.models import describe_target
from airflow_batchmod.exchanges.hyperliquid.nonce import now_ms
from airflow_batchmod.exchanges.hyperliquid.orders import OrderView
from airflow_batchmod.exchanges.hyperliquid.planning import ModifyPayload, payload_of

log = logging.getLogger(__name__)

#: Order states that prove a replacement order was really placed.
REPLACEMENT_STATES = ("open", "filled", "triggered")
#: The state of an order cancelled by a request (a modify's cancel leg among them); the venue's
#: own cancels have their own names (``marginCanceled``, ``reduceOnlyCanceled``...).
CANCELLED_BY_REQUEST = "canceled"
#: Clock skew allowance between us and the exchange when waiting out an action's expiry.
EXPIRY_GRACE_MS = 500
#: ``orderStatus`` lookups in flight at once; the client's limiter paces them all.
PARALLEL_LOOKUPS = 4


class ExpiryBook:
    """The ``expiresAfter`` each edit was last sent with, and waiting it out."""

    def __init__(
        self, clock_ms: Callable[[], int] = now_ms, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._clock_ms = clock_ms
        self._sleep = sleep
        self._lock = threading.Lock()
        self._expiries: dict[int, int] = {}

    def note(self, indices: Iterable[int], expires_after: int) -> None:
        with self._lock:
            for index in indices:
                self._expiries[index] = expires_after

    def wait_out(self, edits: Sequence[PreparedEdit]) -> None:
        with self._lock:
            latest = max((self._expiries.get(edit.index, 0) for edit in edits), default=0)
        delay = (latest + EXPIRY_GRACE_MS - self._clock_ms()) / 1000
        if delay > 0:
            self._sleep(delay)


class Reconciler:
    """Settles in-doubt edits of one acting user: the open-orders list first, then order status."""

    def __init__(self, info: InfoReader, user: Callable[[], str], expiries: ExpiryBook) -> None:
        self._info = info
        self._acting_user = user
        self._expiries = expiries

    @property
    def _user(self) -> str:
        return self._acting_user()

    def reconcile(self, edits: Sequence[PreparedEdit]) -> list[ItemResult]:
        if not edits:
            return []
        self._expiries.wait_out(edits)
        settled: dict[int, ItemResult] = {}
        try:
            open_orders = self._info.open_orders(self._user)
        except ReconcileError as exc:
            log.warning("open orders unreadable (%s); asking about each order", exc.message)
        else:
            by_oid = {order.oid: order for order in open_orders}
            by_cloid = {order.cloid: order for order in open_orders if order.cloid is not None}
            for edit in edits:
                result = settle_from_open_orders(edit, by_oid, by_cloid)
                if result is not None:
                    settled[edit.index] = result
        rest = [edit for edit in edits if edit.index not in settled]
        log.info(
            "reconciling %d in-doubt edits: %d settled from the open-orders list, %d by order status",
            len(edits),
            len(settled),
            len(rest),
        )
        if rest:
            with ThreadPoolExecutor(min(PARALLEL_LOOKUPS, len(rest)), "hl-reconcile") as pool:
                for result in pool.map(self.by_order_status, rest):
                    settled[result.index] = result
        return [settled[edit.index] for edit in edits]

    def by_order_status(self, edit: PreparedEdit) -> ItemResult:
        """One edit, from ``orderStatus`` of the cloid we sent and of the original order."""
        payload = payload_of(edit)
        look_up = self._info.order_status
        try:
            carrier = look_up(self._user, payload.cloid)
            replaced = replaced_by(edit, payload, carrier)
            if replaced is not None:
                return replaced
            own = carrier if payload.target == payload.cloid else look_up(self._user, payload.target)
            if own is not None and own.status != "open" and own is not carrier:
                # Cancel and replacement are one step on the exchange: if the original is gone
                # now, a replacement made by our modify exists now, though the first lookup
                # (made before the modify landed) missed it.
                replaced = replaced_by(edit, payload, look_up(self._user, payload.cloid))
                if replaced is not None:
                    return replaced
        except ReconcileError as exc:
            return ItemResult(edit.index, Outcome.UNKNOWN, message=f"lookup failed: {exc.message}")
        if own is not None and own.status == "open":
            return still_open(edit, payload)
        return gone_without_replacement(edit, payload, own, carrier)


def settle_from_open_orders(
    edit: PreparedEdit, by_oid: dict[int, OrderView], by_cloid: dict[str, OrderView]
) -> ItemResult | None:
    """APPLIED when an open order other than the original carries our cloid, RETRY when the
    original is open and nothing replaced it; None when the list cannot tell."""
    payload = payload_of(edit)
    replaced = replaced_by(edit, payload, by_cloid.get(payload.cloid))
    if replaced is not None:
        return replaced
    original = payload.known_oid if payload.known_oid is not None else payload.target
    if isinstance(original, int) and original in by_oid:
        return still_open(edit, payload)
    return None


def replaced_by(edit: PreparedEdit, payload: ModifyPayload, carrier: OrderView | None) -> ItemResult | None:
    """APPLIED when ``carrier``, the order holding the cloid we sent, is a live replacement."""
    if carrier is None or carrier.oid == payload.known_oid or carrier.status not in REPLACEMENT_STATES:
        return None
    return ItemResult(
        edit.index,
        Outcome.APPLIED,
        order_id=str(carrier.oid),
        message=f"replaced by oid {carrier.oid} ({carrier.status})",
    )


def still_open(edit: PreparedEdit, payload: ModifyPayload) -> ItemResult:
    target = describe_target(payload.target)
    return ItemResult(edit.index, Outcome.RETRY, message=f"order {target} is still open, unchanged")


def gone_without_replacement(
    edit: PreparedEdit, payload: ModifyPayload, own: OrderView | None, carrier: OrderView | None
) -> ItemResult:
    """The original is not open and no replacement was found by the cloid we sent.

    Filled, cancelled by the venue or never known: the modify did not take it off the book
    (``REJECTED``). Cancelled by a request (``canceled``): our
    modify's cancel leg ran and its placement failed (``CANCELLED``), unless the cloid lookup named
    the original itself: the venue does not say which order ``orderStatus`` answers for a cloid
    that a cancelled original and its replacement share, so a replacement may exist (``UNKNOWN``).
    """
    target = describe_target(payload.target)
    state = "unknown" if own is None else str(own.status)
    message = f"order {target} is {state} and no order carrying cloid {payload.cloid} replaced it"
    if own is None or own.status != CANCELLED_BY_REQUEST:
        # Filled, or taken off by the venue (margin, reduce-only...): not by our modify.
        return ItemResult(edit.index, Outcome.REJECTED, message=message)
    if carrier is not None and carrier.oid == own.oid:
        shared = (
            f"order {target} is {state}; orderStatus for cloid {payload.cloid} names it, not a replacement"
        )
        return ItemResult(edit.index, Outcome.UNKNOWN, message=f"{shared}: a replacement may still exist")
    return ItemResult(edit.index, Outcome.CANCELLED, message=f"{message}: the modify took it off the book")
