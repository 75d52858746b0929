"""One Hyperliquid modify, as the venue plays it: cancel the original, then place the new order.

The venue checks the new order's tick and lot and whether the modify needs always-place before it
touches the original. The placement itself (minimum value, a post-only price that crosses, an Ioc
with nothing to match) can fail after the cancel leg: by default the original is then already gone
(``hyperliquid_failed_modify: cancels_original``, as third-party captures show); the
``keeps_original`` mode plays a venue that checks first and leaves it resting.
"""

from __future__ import annotations

from typing import Any, Literal

from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.sandbox.hyperliquid.rules import (
    CANNOT_MODIFY,
    FAILED_PLACEMENT_PREFIX,
    NEEDS_ALWAYS_PLACE,
    crosses,
    ioc_error,
    min_value_error,
    order_error,
    post_only_error,
)
from airflow_batchmod.sandbox.hyperliquid.state import HyperliquidAsset, HyperliquidBook, HyperliquidOrder
from airflow_batchmod.sandbox.hyperliquid.wire import Modify

FailedModify = Literal["cancels_original", "keeps_original"]


def apply_modify(
    book: HyperliquidBook,
    user: str,
    modify: Modify,
    *,
    always_place: bool,
    now_ms: int,
    failed_modify: FailedModify = "cancels_original",
) -> dict[str, Any]:
    """Apply one modify to ``book``; the entry of ``statuses`` the venue answers for it."""
    asset = book.assets.get(modify.asset)
    if asset is None:
        return {"error": f"Invalid asset. asset={modify.asset}"}
    old = find_order(book, user, modify.oid, modify.asset)
    cancellable = old is not None and old.status == "open"
    if not cancellable and not always_place:
        return {"error": CANNOT_MODIFY}
    problem = order_error(modify.price, modify.size, modify.trigger_px, asset)
    if problem is not None:
        return {"error": problem}
    mark = book.mark_prices[asset.coin]
    tif = modify.tif
    executable = tif is not None and crosses(modify.is_buy, modify.price, mark)
    immediate = tif in ("Ioc", "FrontendMarket")
    if not always_place and (tif is None or immediate or (tif == "Gtc" and executable)):
        return {"error": NEEDS_ALWAYS_PLACE}
    refusal = _placement_error(modify, asset, mark, executable=executable, immediate=immediate)
    if refusal is not None:
        if old is None or not cancellable or failed_modify == "keeps_original":
            return {"error": refusal}
        _cancel(old, now_ms)
        return {"error": FAILED_PLACEMENT_PREFIX + refusal}
    order_type = modify.order_type
    if not always_place and tif == "Gtc":
        # The documented override: a non-executable Gtc modify rests as Alo.
        order_type = {"limit": {"tif": "Alo"}}
    filled = executable and tif != "Alo"
    new = _new_order(book, user, modify, asset, old, order_type, filled=filled, now_ms=now_ms)
    if old is not None and cancellable:
        _cancel(old, now_ms)
        old.replaced_by = new.oid
        new.replaces = old.oid
    book.add(new)
    ident: dict[str, Any] = {"oid": new.oid}
    if new.cloid is not None:
        ident["cloid"] = new.cloid
    if filled:
        return {"filled": {"totalSz": format_decimal(new.sz), "avgPx": format_decimal(mark), **ident}}
    return {"resting": ident}


def _new_order(
    book: HyperliquidBook,
    user: str,
    modify: Modify,
    asset: HyperliquidAsset,
    old: HyperliquidOrder | None,
    order_type: dict[str, Any],
    *,
    filled: bool,
    now_ms: int,
) -> HyperliquidOrder:
    """The order a modify places, under a new oid; it keeps the original's cloid unless it sends one."""
    return HyperliquidOrder(
        user=user,
        oid=book.allocate_oid(),
        cloid=modify.cloid if modify.cloid is not None else (old.cloid if old is not None else None),
        coin=asset.coin,
        asset=asset.asset,
        side="B" if modify.is_buy else "A",
        limit_px=modify.price,
        sz=modify.size,
        orig_sz=modify.size,
        reduce_only=modify.reduce_only,
        order_type=order_type,
        status="filled" if filled else "open",
        timestamp=now_ms,
        status_timestamp=now_ms,
    )


def _placement_error(
    modify: Modify, asset: HyperliquidAsset, mark: Any, *, executable: bool, immediate: bool
) -> str | None:
    """Why the new order cannot be placed, checked after the original is cancelled."""
    problem = min_value_error(modify.price, modify.size, asset)
    if problem is not None:
        return problem
    if modify.tif == "Alo" and executable:
        return post_only_error(mark, asset)
    if immediate and not executable:
        return ioc_error(asset)
    return None


def _cancel(order: HyperliquidOrder, now_ms: int) -> None:
    order.status = "canceled"
    order.status_timestamp = now_ms


def find_order(book: HyperliquidBook, user: str, oid: int | str, asset: int) -> HyperliquidOrder | None:
    """The user's order named by oid or cloid on ``asset``; another user's order is invisible."""
    order = book.orders.get(oid) if isinstance(oid, int) else book.newest_by_cloid(user, oid)
    if order is None or order.user != user or order.asset != asset:
        return None
    return order
