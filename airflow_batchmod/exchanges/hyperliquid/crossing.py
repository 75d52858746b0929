"""Keeping back a post-only edit whose price crosses the book.

A modify is cancel, then place: a post-only (Alo) order that would trade at once is refused
*after* the original was cancelled, so the order leaves the book and nothing replaces it. An edit
rests as Alo when it says Alo, and when it is a Gtc sent without always-place (the venue treats
such a modify as Alo). One ``l2Book`` read per coin (weight 2) gives the best bid and ask; an edit
that would cross them is refused before anything is sent. The book can still move between this
read and the modify: then the venue refuses it and the report says ``cancelled``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from airflow_batchmod.exchanges.base import EditProblem, PreparedEdit, ReconcileError
from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.exchanges.hyperliquid.info import InfoReader
from airflow_batchmod.exchanges.hyperliquid.metadata import AssetDirectory
from airflow_batchmod.exchanges.hyperliquid.planning import payload_of


@dataclass(frozen=True)
class BestPrices:
    """The top of one coin's book (None: that side is empty)."""

    bid: Decimal | None
    ask: Decimal | None


def rests_as_alo(edit: PreparedEdit) -> bool:
    """Whether the venue will treat ``edit``'s new order as post-only."""
    payload = payload_of(edit)
    order_type = payload.order["t"]
    limit = order_type.get("limit") if isinstance(order_type, Mapping) else None
    tif = limit.get("tif") if isinstance(limit, Mapping) else None
    return tif == "Alo" or (tif == "Gtc" and not payload.always_place)


def read_best_prices(body: object, coin: str) -> BestPrices:
    """``l2Book``: ``levels`` is ``[bids, asks]``, each best first, each level ``{"px", "sz", "n"}``."""
    levels = body.get("levels") if isinstance(body, Mapping) else None
    if not isinstance(levels, list) or len(levels) != 2 or not all(isinstance(side, list) for side in levels):
        raise ReconcileError(f"l2Book {coin}: the answer has no bid and ask levels")
    return BestPrices(bid=_best(levels[0], coin), ask=_best(levels[1], coin))


def _best(side: list[object], coin: str) -> Decimal | None:
    if not side:
        return None
    top = side[0]
    price = top.get("px") if isinstance(top, Mapping) else None
    try:
        return Decimal(price) if isinstance(price, str) else None
    except InvalidOperation:
        raise ReconcileError(f"l2Book {coin}: unreadable price {price!r}") from None


def crossing_problem(edit: PreparedEdit, best: BestPrices) -> str | None:
    """Why ``edit`` would be refused as a post-only order that trades at once, if it would."""
    order = payload_of(edit).order
    price = Decimal(order["p"])
    if order["b"]:
        against, side = best.ask, "ask"
        crosses = against is not None and price >= against
    else:
        against, side = best.bid, "bid"
        crosses = against is not None and price <= against
    if not crosses or against is None:
        return None
    return (
        f"price: {format_decimal(price)} crosses the book (best {side} {format_decimal(against)}); the order "
        "would rest post-only (Alo, or Gtc without always_place), and the venue would cancel it and "
        "place nothing"
    )


def screen_crossing(
    info: InfoReader, edits: Sequence[PreparedEdit], directory: AssetDirectory
) -> tuple[list[PreparedEdit], list[EditProblem]]:
    """``edits`` without those that would cross the book, and a problem for each of those.

    Reads ``l2Book`` once per coin that has an edit resting as Alo. Raises
    :class:`ReconcileError` when a book cannot be read.
    """
    coins: dict[int, str] = {}
    for edit in edits:
        if rests_as_alo(edit):
            asset = payload_of(edit).order["a"]
            found = directory.by_id(asset)
            coins[asset] = found.name if found is not None else str(asset)
    books = {asset: read_best_prices(info.l2_book(coin), coin) for asset, coin in coins.items()}
    kept: list[PreparedEdit] = []
    problems: list[EditProblem] = []
    for edit in edits:
        best = books.get(payload_of(edit).order["a"]) if rests_as_alo(edit) else None
        problem = crossing_problem(edit, best) if best is not None else None
        if problem is None:
            kept.append(edit)
        else:
            problems.append(EditProblem(edit.index, edit.label, (problem,)))
    return kept, problems
