"""Reading a Bitget UTA account's orders in as few requests as possible.

The open-orders list (``unfilled-orders``) answers for up to 100 orders a page, so it is read
first, one listing per (category, symbol) the orders name, and paging stops as soon as every
wanted order was seen. Only orders the list does not show (filled, cancelled, unknown) are
asked about one by one with ``order-info``, a few at a time; the client's read limiter paces
every request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from airflow_batchmod.exchanges.base import FailureKind
from airflow_batchmod.exchanges.bitget.errors import ErrorClass, classify, is_success
from airflow_batchmod.exchanges.bitget.models import BitgetEnvelope, OrderInfo
from airflow_batchmod.exchanges.bitget.responses import safe_message
from airflow_batchmod.exchanges.bitget.validation import echo
from airflow_batchmod.exchanges.retry import ReadFailed

log = logging.getLogger(__name__)

TICKERS_PATH = "/api/v3/market/tickers"
UNFILLED_ORDERS_PATH = "/api/v3/trade/unfilled-orders"
ORDER_INFO_PATH = "/api/v3/trade/order-info"
#: The largest page Bitget serves.
PAGE_LIMIT = 100
#: Bitget caps a business line at 400 open orders (4 pages); an account with far more is not one
#: we can plan for, and a listing longer than this is looping even if its cursors never repeat.
MAX_PAGES = 200
#: ``order-info`` lookups in flight at once; the read limiter paces them all.
PARALLEL_LOOKUPS = 4
#: The ``cancelReason`` of an order a modify cancelled (and perhaps replaced under a new orderId).
REPLACED_REASON = "modify_limit_order"
#: "Order does not exist" in its UTA and older spellings.
ORDER_NOT_FOUND_CODES = frozenset({"25204", "43001", "40768", "40109"})

#: ``(path, params, signed) -> (HTTP status, envelope)``; raises :class:`ReadFailed`.
Reader = Callable[[str, Mapping[str, str], bool], tuple[int, BitgetEnvelope]]


@dataclass(frozen=True, slots=True)
class OrderRef:
    """One order to look up: where it lives and the id it is addressed by."""

    category: str
    symbol: str
    order_id: str | None
    client_oid: str | None

    @property
    def key(self) -> str:
        return f"orderId:{self.order_id}" if self.order_id is not None else f"clientOid:{self.client_oid}"

    @property
    def aliases(self) -> list[str]:
        """Every key a listed order may match this ref by: its orderId first, then its clientOid
        (the id a venue keeps when a modify gives the order a new orderId)."""
        keys = [f"orderId:{self.order_id}"] if self.order_id is not None else []
        return keys + ([f"clientOid:{self.client_oid}"] if self.client_oid is not None else [])


@dataclass(frozen=True, slots=True)
class Ticker:
    """The best bid and ask and the reference price (mark, else last) of one symbol."""

    bid: Decimal | None
    ask: Decimal | None
    mark: Decimal | None


class BookReadError(Exception):
    """A read the book needs failed; ``fatal`` when no other read can succeed (credentials)."""

    def __init__(self, message: str, *, kind: FailureKind = FailureKind.OTHER, fatal: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.fatal = fatal


@dataclass
class BookView:
    """What the reads found, by order key: the order (None: Bitget does not know it), or why it
    could not be read."""

    orders: dict[str, OrderInfo | None] = field(default_factory=dict)
    failures: dict[str, BookReadError] = field(default_factory=dict)
    #: The keys the open-orders list settled.
    listed: set[str] = field(default_factory=set)
    by_status: int = 0
    pages: int = 0


def was_replaced(info: OrderInfo) -> bool:
    """Whether a modify cancelled this order and may have put another in its place."""
    return (info.cancelReason or "").strip().lower() == REPLACED_REASON


def _match_listing(listed: Sequence[OrderInfo], aliases: Mapping[str, str], view: BookView) -> None:
    """Record each listed order under the ref keys it answers; an orderId match beats a clientOid one."""
    by_order_id: set[str] = set()
    for order in listed:
        for alias in listing_keys(order):
            key = aliases.get(alias)
            if key is None or key in by_order_id:
                continue
            view.orders[key] = order
            view.listed.add(key)
            if alias.startswith("orderId:"):
                by_order_id.add(key)


def listing_keys(info: OrderInfo) -> Iterator[str]:
    """Every key an edit may address ``info`` by."""
    if info.orderId:
        yield f"orderId:{info.orderId}"
    if info.clientOid:
        yield f"clientOid:{info.clientOid}"


class BookReader:
    """Reads orders through the client's paced, retried reader."""

    def __init__(self, read: Reader, secrets: Callable[[], list[str]]) -> None:
        self._read = read
        self._secrets = secrets

    def read(self, refs: Sequence[OrderRef]) -> BookView:
        """Every ``ref``'s order: the open-orders list first, ``order-info`` for the rest.

        Raises :class:`BookReadError` when a listing fails (nothing of the book is known then).
        """
        view = BookView()
        wanted = {ref.key: ref for ref in refs}
        by_line: dict[tuple[str, str], dict[str, str]] = {}
        for ref in wanted.values():
            aliases = by_line.setdefault((ref.category, ref.symbol), {})
            aliases.update((alias, ref.key) for alias in ref.aliases)
        for (category, symbol), aliases in sorted(by_line.items()):
            try:
                listed = self.open_orders(category, symbol, want=set(aliases), view=view)
            except BookReadError as exc:
                if exc.fatal:
                    raise
                # The orders can still be asked about one by one.
                log.warning("open orders of %s %s unreadable (%s); asking per order", category, symbol, exc)
                continue
            _match_listing(listed, aliases, view)
        rest = [ref for key, ref in wanted.items() if key not in view.orders]
        view.by_status = len(rest)
        if rest:
            fatal: list[BookReadError] = []

            def look_up(ref: OrderRef) -> OrderInfo | BookReadError | None:
                if fatal:
                    return fatal[0]  # every further query would be refused the same way
                try:
                    return self.follow(ref)
                except BookReadError as exc:
                    if exc.fatal:
                        fatal.append(exc)
                    return exc

            with ThreadPoolExecutor(min(PARALLEL_LOOKUPS, len(rest)), "bitget-order-info") as pool:
                for ref, found in zip(rest, pool.map(look_up, rest), strict=True):
                    if isinstance(found, BookReadError):
                        view.failures[ref.key] = found
                    else:
                        view.orders[ref.key] = found
        return view

    def open_orders(
        self,
        category: str | None,
        symbol: str | None,
        *,
        want: set[str] | None = None,
        view: BookView | None = None,
    ) -> list[OrderInfo]:
        """The open orders of a category and symbol (None: all), page by page; with ``want``,
        paging stops once every key in it has been seen."""
        params = {"limit": str(PAGE_LIMIT)}
        if category:
            params["category"] = category
        if symbol:
            params["symbol"] = symbol
        found: list[OrderInfo] = []
        missing = set(want) if want is not None else None
        cursor = ""
        seen_cursors: set[str] = set()
        for _ in range(MAX_PAGES):
            page_params = dict(params, cursor=cursor) if cursor else params
            data = self._data(UNFILLED_ORDERS_PATH, page_params, "open orders")
            if view is not None:
                view.pages += 1
            listed = data.get("list") if isinstance(data, Mapping) else None
            if not isinstance(listed, list):
                raise BookReadError("open orders: the answer has no list")
            for element in listed:
                try:
                    order = OrderInfo.model_validate(element)
                except ValidationError:
                    continue  # one malformed entry must not hide the others
                found.append(order)
                if missing is not None:
                    missing.difference_update(listing_keys(order))
            next_cursor = data.get("cursor") if isinstance(data, Mapping) else None
            if missing == set() or len(listed) < PAGE_LIMIT or not next_cursor:
                return found
            cursor = str(next_cursor)
            if cursor in seen_cursors:
                raise BookReadError(f"open orders: the cursor {cursor!r} came back; the listing loops")
            seen_cursors.add(cursor)
        raise BookReadError(f"open orders: still paging after {MAX_PAGES} pages")

    def follow(self, ref: OrderRef) -> OrderInfo | None:
        """``order-info`` of the order, or of the order a modify put in its place.

        A venue that answers a modify with a new orderId cancels the old one with ``cancelReason``
        ``modify_limit_order`` and keeps the clientOid: the clientOid then finds the replacement.
        """
        info = self.order_info(ref)
        if info is None or not was_replaced(info) or not info.clientOid:
            return info
        successor = self.order_info(OrderRef(ref.category, ref.symbol, None, info.clientOid))
        if successor is None or successor.orderId == info.orderId:
            return info
        return successor

    def order_info(self, ref: OrderRef) -> OrderInfo | None:
        """The order's state, or None when Bitget does not know it."""
        params = (
            {"orderId": ref.order_id} if ref.order_id is not None else {"clientOid": ref.client_oid or ""}
        )
        try:
            status, envelope = self._read(ORDER_INFO_PATH, params, True)
        except ReadFailed as exc:
            raise BookReadError(f"order query failed: {exc}", kind=exc.kind) from None
        if envelope.code in ORDER_NOT_FOUND_CODES:
            return None
        if not is_success(envelope.code):
            raise self._refusal("order query", status, envelope)
        try:
            return OrderInfo.model_validate(envelope.data)
        except ValidationError:
            raise BookReadError("order query answered with an unreadable order") from None

    def mid_price(self, category: str, symbol: str) -> Decimal:
        """The middle of the best bid and ask of ``symbol`` (public ``tickers``); the last price,
        then the mark price, when one side of the book is empty."""
        ticker = self._ticker(category, symbol)
        bid, ask = _price(ticker.get("bid1Price")), _price(ticker.get("ask1Price"))
        if bid is not None and ask is not None:
            return (bid + ask) / 2
        for name in ("lastPrice", "markPrice"):
            price = _price(ticker.get(name))
            if price is not None:
                return price
        raise BookReadError(f"tickers: {echo(symbol)} has no price")

    def ticker(self, category: str, symbol: str) -> Ticker:
        """The best bid and ask of ``symbol`` and its mark price (spot: the last price)."""
        found = self._ticker(category, symbol)
        mark = _price(found.get("markPrice")) or _price(found.get("lastPrice"))
        return Ticker(_price(found.get("bid1Price")), _price(found.get("ask1Price")), mark)

    def _ticker(self, category: str, symbol: str) -> Mapping[str, object]:
        data = self._data(TICKERS_PATH, {"category": category, "symbol": symbol}, "tickers", signed=False)
        tickers = data if isinstance(data, list) else []
        ticker = next((t for t in tickers if isinstance(t, Mapping) and t.get("symbol") == symbol), None)
        if ticker is None:
            raise BookReadError(f"tickers: no {category} ticker for {echo(symbol)}")
        return ticker

    def _data(self, path: str, params: Mapping[str, str], what: str, *, signed: bool = True) -> object:
        try:
            status, envelope = self._read(path, params, signed)
        except ReadFailed as exc:
            raise BookReadError(f"{what}: {exc}", kind=exc.kind) from None
        if not is_success(envelope.code):
            raise self._refusal(what, status, envelope)
        return envelope.data

    def _refusal(self, what: str, status: int, envelope: BitgetEnvelope) -> BookReadError:
        message = safe_message(envelope.msg, self._secrets())
        return BookReadError(
            f"{what} refused (HTTP {status}, code {echo(envelope.code)}): {message}",
            fatal=classify(envelope.code) is ErrorClass.FATAL_AUTH,
        )


def _price(value: object) -> Decimal | None:
    """A positive price from a ticker field (spot sends "" for an empty side)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        price = Decimal(value)
    except InvalidOperation:
        return None
    return price if price.is_finite() and price > 0 else None
