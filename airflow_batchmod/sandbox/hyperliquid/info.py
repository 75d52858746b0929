"""Hyperliquid ``POST /info`` answers built from the sandbox's order book."""

from __future__ import annotations

import time
from typing import Any

from airflow_batchmod.exchanges.decimals import format_decimal
from airflow_batchmod.sandbox.hyperliquid.state import HyperliquidAsset, HyperliquidBook, HyperliquidOrder

QUERY_TYPES = frozenset({"orderStatus", "openOrders", "frontendOpenOrders"})
INFO_TYPES = (
    frozenset({"meta", "spotMeta", "perpDexs", "userRole", "allMids", "userRateLimit", "l2Book"})
    | QUERY_TYPES
)
#: The sandbox's book is one level a side, both at the mark price: an order at the mark trades.
BOOK_LEVEL_SIZE = "1000"

#: ``/info`` weight against the per-IP budget (1200 per minute); 20 for any type not listed.
INFO_WEIGHTS = {
    "l2Book": 2,
    "allMids": 2,
    "clearinghouseState": 2,
    "orderStatus": 2,
    "spotClearinghouseState": 2,
    "exchangeStatus": 2,
    "userRole": 60,
}
DEFAULT_INFO_WEIGHT = 20


def info_weight(request: object) -> int:
    kind = request.get("type") if isinstance(request, dict) else None
    return INFO_WEIGHTS.get(kind, DEFAULT_INFO_WEIGHT) if isinstance(kind, str) else DEFAULT_INFO_WEIGHT


class InfoError(ValueError):
    """The request does not deserialise (HTTP 422)."""


def answer(book: HyperliquidBook, request: dict[str, Any], shared_cloid: str = "newest") -> Any:
    """The answer to one ``/info`` request. ``shared_cloid`` (``newest`` or ``oldest``) picks the
    order ``orderStatus`` names for a cloid several orders carried (the venue does not say)."""
    kind = request.get("type")
    dex = _dex(book, request)
    if kind == "perpDexs":
        return [None if entry is None else dict(entry) for entry in book.perp_dexs]
    if kind == "meta":
        perps = book.perps if dex is None else book.dex_perps[dex]
        return {"universe": [dict(perp) for perp in perps]}
    if kind == "spotMeta":
        return {
            "tokens": [dict(token) for token in book.spot_tokens],
            "universe": [dict(pair) for pair in book.spot_universe],
        }
    if kind == "allMids":
        return _all_mids(book, dex)
    if kind == "l2Book":
        return _l2_book(book, request.get("coin"))
    user = _user(request)
    if kind == "userRateLimit":
        return book.budgets.view(user)
    if kind == "userRole":
        return book.role(user)
    if kind == "openOrders":
        return [_basic(order) for order in _open_orders(book, user, dex)]
    if kind == "frontendOpenOrders":
        return [_frontend(order) for order in _open_orders(book, user, dex)]
    if kind == "orderStatus":
        return _order_status(book, user, request.get("oid"), shared_cloid)
    raise InfoError(f"unknown variant `{kind}`")


def _dex(book: HyperliquidBook, request: dict[str, Any]) -> str | None:
    """The builder dex a request names with ``dex`` (None or ``""``: the default dex)."""
    dex = request.get("dex")
    if dex is None or dex == "":
        return None
    if not isinstance(dex, str) or dex not in book.dex_perps:
        raise InfoError(f"unknown perp dex {dex!r}")
    return dex


def _all_mids(book: HyperliquidBook, dex: str | None) -> dict[str, str]:
    """The mids of the default dex and spot, or with ``dex`` of that builder dex only."""
    mids = {}
    for coin, price in book.mark_prices.items():
        asset = book.assets_by_coin[coin]
        if asset.dex != dex:
            continue
        mids[coin] = format_decimal(price)
        if asset.spot:
            # The exchange names spot pairs "@<pair index>" (PURR/USDC also by name).
            mids[f"@{asset.asset - 10_000}"] = format_decimal(price)
    return mids


def _l2_book(book: HyperliquidBook, coin: object) -> dict[str, Any] | None:
    """``l2Book``: bids then asks, best first. The venue answers ``null`` for a coin it does not know."""
    asset = _asset_named(book, coin)
    if asset is None:
        return None
    level = {"px": format_decimal(book.mark_prices[asset.coin]), "sz": BOOK_LEVEL_SIZE, "n": 1}
    return {"coin": coin, "time": int(time.time() * 1000), "levels": [[dict(level)], [dict(level)]]}


def _asset_named(book: HyperliquidBook, coin: object) -> HyperliquidAsset | None:
    """The asset a coin names: its name, or ``@<pair index>`` for a spot pair."""
    if not isinstance(coin, str):
        raise InfoError("missing or malformed field `coin`")
    if coin.startswith("@") and coin[1:].isdigit():
        return book.assets.get(10_000 + int(coin[1:]))
    return book.assets_by_coin.get(coin)


def _user(request: dict[str, Any]) -> str:
    user = request.get("user")
    if not isinstance(user, str) or len(user.removeprefix("0x")) != 40:
        raise InfoError("missing or malformed field `user`")
    return "0x" + user.lower().removeprefix("0x")


def _open_orders(book: HyperliquidBook, user: str, dex: str | None) -> list[HyperliquidOrder]:
    # The exchange lists the newest order first, and only the orders of the dex asked about.
    return sorted(
        (
            o
            for o in book.orders.values()
            if o.user == user and o.status == "open" and book.assets[o.asset].dex == dex
        ),
        key=lambda o: o.oid,
        reverse=True,
    )


def _order_status(book: HyperliquidBook, user: str, oid: object, shared_cloid: str) -> dict[str, Any]:
    order: HyperliquidOrder | None
    if isinstance(oid, int) and not isinstance(oid, bool):
        order = book.orders.get(oid)
        if order is not None and order.user != user:
            order = None
    elif isinstance(oid, str) and oid.startswith("0x") and len(oid) == 34:
        carriers = book.by_cloid(user, oid.lower())
        order = (carriers[-1] if shared_cloid == "newest" else carriers[0]) if carriers else None
    else:
        raise InfoError("oid must be an integer or a 0x cloid")
    if order is None:
        return {"status": "unknownOid"}
    return {
        "status": "order",
        "order": {
            "order": _frontend(order),
            "status": order.status,
            "statusTimestamp": order.status_timestamp,
        },
    }


def _basic(order: HyperliquidOrder) -> dict[str, Any]:
    return {
        "coin": order.coin,
        "side": order.side,
        "limitPx": format_decimal(order.limit_px),
        "sz": format_decimal(order.sz),
        "oid": order.oid,
        "timestamp": order.timestamp,
        "cloid": order.cloid,
    }


def _frontend(order: HyperliquidOrder) -> dict[str, Any]:
    trigger = order.trigger
    view = _basic(order)
    # Recorded answers: ``openOrders`` has no origSz; ``frontendOpenOrders`` does.
    view["origSz"] = format_decimal(order.orig_sz)
    view["reduceOnly"] = order.reduce_only
    view["isPositionTpsl"] = False
    if trigger is None:
        view.update(
            orderType="Limit",
            tif=order.order_type["limit"]["tif"],
            isTrigger=False,
            triggerPx="0.0",
            triggerCondition="N/A",
        )
        return view
    kind = "Take Profit" if trigger["tpsl"] == "tp" else "Stop"
    # A buy stop triggers above its price, a sell stop below; take-profits the other way round.
    above = (order.side == "B") == (trigger["tpsl"] == "sl")
    view.update(
        orderType=f"{kind} {'Market' if trigger['isMarket'] else 'Limit'}",
        tif=None,
        isTrigger=True,
        triggerPx=trigger["triggerPx"],
        triggerCondition=f"Price {'above' if above else 'below'} {trigger['triggerPx']}",
    )
    return view
