"""Bitget UTA reads: order-info, the paged open-orders list, tickers, instruments and account settings."""

from __future__ import annotations

from typing import Any

from airflow_batchmod.sandbox.bitget.errors import Rejection, invalid
from airflow_batchmod.sandbox.bitget.state import BitgetAccount, BitgetBook, BitgetOrder, fixed
from airflow_batchmod.sandbox.seed.models import BITGET_CATEGORIES

#: ``unfilled-orders`` pages hold at most this many orders (also the default).
MAX_PAGE = 100
#: Order fields the sandbox does not model, as real answers show them for a plain limit order
#: (ccxt's recorded UTA answers): no self-trade prevention, no take-profit or stop-loss.
PLAIN_ORDER_FIELDS: dict[str, Any] = {
    "stpMode": "none",
    **dict.fromkeys(["tpTriggerBy", "slTriggerBy", "takeProfit", "stopLoss", "tpOrderType", "slOrderType"]),
    **dict.fromkeys(["tpLimitPrice", "slLimitPrice"]),
}
#: Documented instrument fields a seed may leave out, per category, served as "" (not set).
#: The band ratios are among them: a seed without them plays no price band.
INSTRUMENT_FIELDS = {
    "SPOT": ("buyLimitPriceRatio", "sellLimitPriceRatio", "feeRateUpRatio", "minOrderQty", "maxOrderQty",
             "quotePrecision", "minOrderAmount", "maxSymbolOrderNum", "maxProductOrderNum", "offTime",
             "limitOpenTime", "maintainTime", "areaSymbol"),
    "MARGIN": ("buyLimitPriceRatio", "sellLimitPriceRatio", "feeRateUpRatio", "minOrderQty", "maxOrderQty",
               "quotePrecision", "minOrderAmount", "maxSymbolOrderNum", "maxProductOrderNum",
               "maxPositionNum", "offTime", "limitOpenTime", "maintainTime", "isIsolatedBaseBorrowable",
               "isIsolatedQuotedBorrowable", "warningRiskRatio", "liquidationRiskRatio",
               "maxCrossedLeverage", "maxIsolatedLeverage", "userMinBorrow", "areaSymbol"),
    "FUTURES": ("isRwa", "buyLimitPriceRatio", "sellLimitPriceRatio", "feeRateUpRatio", "makerFeeRate",
                "takerFeeRate", "openCostUpRatio", "minOrderQty", "maxOrderQty", "quotePrecision",
                "priceMultiplier", "quantityMultiplier", "symbolType", "minOrderAmount",
                "maxSymbolOrderNum", "maxProductOrderNum", "maxPositionNum", "offTime", "limitOpenTime",
                "deliveryTime", "deliveryStartTime", "deliveryPeriod", "launchTime", "fundInterval",
                "minLeverage", "maxLeverage", "maintainTime", "maxMarketOrderQty"),
}  # fmt: skip


def order_info(book: BitgetBook, account: BitgetAccount, params: dict[str, str]) -> dict[str, Any]:
    order_id, client_oid = params.get("orderId"), params.get("clientOid")
    if not order_id and not client_oid:
        raise invalid("orderId or clientOid is required")
    order = book.find(account.uid, order_id, client_oid)
    if order is None:
        raise Rejection(400, "25204", "Order does not exist")
    return order_view(order)


def order_view(order: BitgetOrder, *, listed: bool = False) -> dict[str, Any]:
    """One order as ``order-info`` prints it (``listed``: as ``unfilled-orders`` does, "YES"/"NO")."""
    places = order.instrument
    qty_places = places.qty_places
    view: dict[str, Any] = {
        "orderId": order.order_id,
        "clientOid": order.client_oid,
        "category": order.category,
        "symbol": order.symbol,
        "orderType": "limit",
        "side": order.side,
        "price": fixed(order.price, places.price_places),
        "qty": fixed(order.qty, qty_places),
        "amount": "0",
        "cumExecQty": fixed(order.filled_qty, qty_places),
        "cumExecValue": fixed(order.filled_qty * order.price, places.price_places),
        "avgPrice": fixed(order.price, places.price_places) if order.filled_qty else "0",
        "timeInForce": order.time_in_force,
        "orderStatus": order.status,
        "posSide": "",
        "holdMode": "one_way_mode",
        "reduceOnly": ("YES" if order.reduce_only else "NO")
        if listed
        else ("yes" if order.reduce_only else "no"),
        "feeDetail": [],
        "createdTime": str(order.created_ms),
        "updatedTime": str(order.updated_ms),
    }
    if not listed:
        view["cancelReason"] = order.cancel_reason
        view["execType"] = "normal"
    return {**view, **PLAIN_ORDER_FIELDS}


def _whole(params: dict[str, str], name: str) -> int | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    if not text.isdigit():
        raise invalid(f"{name} must be a whole number")
    return int(text)


def unfilled_orders(book: BitgetBook, account: BitgetAccount, params: dict[str, str]) -> dict[str, Any]:
    """The account's open orders, newest first, ``limit`` per page; ``cursor`` continues a listing.

    The cursor is the last orderId of a full page ("" once nothing can follow). Paging goes by
    creation order, so orders that fill or get cancelled between pages shift nothing.
    """
    category, symbol = params.get("category") or None, params.get("symbol") or None
    if category is not None and category not in BITGET_CATEGORIES:
        raise invalid(f"category {category} is not supported")
    limit = _whole(params, "limit") or MAX_PAGE
    if limit > MAX_PAGE:
        raise invalid(f"limit must be at most {MAX_PAGE}")
    start, end = _whole(params, "startTime"), _whole(params, "endTime")
    cursor = params.get("cursor") or None
    before_seq: int | None = None
    if cursor is not None:
        after = book.by_id.get((account.uid, cursor))
        if after is None:
            raise invalid(f"cursor {cursor} is not valid")
        before_seq = after.seq
    page: list[BitgetOrder] = []
    for order in reversed(book.orders):
        if before_seq is not None and order.seq >= before_seq:
            continue
        if (
            order.uid != account.uid
            or not order.is_open
            or (category is not None and order.category != category)
            or (symbol is not None and order.symbol != symbol)
            or (start is not None and order.created_ms < start)
            or (end is not None and order.created_ms > end)
        ):
            continue
        page.append(order)
        if len(page) == limit:
            break
    next_cursor = page[-1].order_id if len(page) == limit else ""
    return {"list": [order_view(order, listed=True) for order in page], "cursor": next_cursor}


def tickers(book: BitgetBook, params: dict[str, str], now_ms: int) -> list[dict[str, str]]:
    category = params.get("category")
    if not category:
        raise invalid("category is required")
    if category not in BITGET_CATEGORIES:
        raise invalid(f"category {category} is not supported")
    symbol = params.get("symbol") or None
    found = []
    for (cat, sym), price in book.mark_prices.items():
        if cat != category or (symbol is not None and sym != symbol):
            continue
        instrument = book.instruments[(cat, sym)]
        places, step = instrument.price_places, instrument.price_step
        ticker = {
            "category": cat,
            "symbol": sym,
            "ts": str(now_ms),
            "lastPrice": fixed(price, places),
            "bid1Price": fixed(price - step, places),
            "ask1Price": fixed(price + step, places),
            "bid1Size": "1",
            "ask1Size": "1",
            "openPrice24h": fixed(price, places),
            "highPrice24h": fixed(price, places),
            "lowPrice24h": fixed(price, places),
            "volume24h": "0",
            "turnover24h": "0",
            "price24hPcnt": "0",
        }
        if cat != "SPOT" and cat != "MARGIN":
            ticker.update(
                indexPrice=fixed(price, places),
                markPrice=fixed(price, places),
                fundingRate="0.0001",
                openInterest="0",
                deliveryStartTime="",
                deliveryTime="",
                deliveryStatus="",
            )
        found.append(ticker)
    return found


def instruments(book: BitgetBook, params: dict[str, str]) -> list[dict[str, str]]:
    category = params.get("category")
    if not category:
        raise invalid("category is required")
    if category not in BITGET_CATEGORIES:
        raise invalid(f"category {category} is not supported")
    symbol = params.get("symbol")
    fields = INSTRUMENT_FIELDS.get(category, INSTRUMENT_FIELDS["FUTURES"])
    return [
        {**dict.fromkeys(fields, ""), **instrument.raw}
        for (cat, sym), instrument in book.instruments.items()
        if cat == category and (not symbol or sym == symbol)
    ]


def settings(account: BitgetAccount) -> dict[str, Any]:
    return {
        "uid": account.uid,
        "assetMode": "union",
        "holdMode": "one_way_mode",
        "stpMode": "none",
        "symbolConfig": [],
        "coinConfig": [],
    }
