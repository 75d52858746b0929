"""Edits the venue would refuse, or carry out by cancelling the order, caught before sending.

Three limits depend on the live market or on the order as the book shows it, so they are checked
after planning, with the numbers in the message:

- a post-only order (``timeInForce: post_only``) whose new price meets the other side of the
  book (a buy at or above the best ask, a sell at or below the best bid) would be cancelled by
  Bitget (``post_only_fill_cancel``) instead of modified;
- the instrument's price band (``buyLimitPriceRatio`` / ``sellLimitPriceRatio``, codes
  25205/25206): a buy at most ``mark·(1 + ratio)``, a sell at least ``mark·(1 - ratio)``;
- ``minOrderAmount``: the order's value price x qty, taking the book's value for the one the
  edit leaves alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from airflow_batchmod.exchanges.base import EditProblem, PreparedEdit
from airflow_batchmod.exchanges.bitget.book import Ticker
from airflow_batchmod.exchanges.bitget.models import Instrument, OrderInfo
from airflow_batchmod.exchanges.bitget.precision import check_amount
from airflow_batchmod.exchanges.bitget.reconciliation import payload_of
from airflow_batchmod.exchanges.decimals import format_decimal

#: ``(category, symbol) -> Ticker``; raises when the market cannot be read.
ReadTicker = Callable[[str, str], Ticker]


def is_post_only(info: OrderInfo) -> bool:
    return (info.timeInForce or "").strip().lower() == "post_only"


def has_band(instrument: Instrument) -> bool:
    return instrument.buyLimitPriceRatio is not None or instrument.sellLimitPriceRatio is not None


def market_problems(price: Decimal, info: OrderInfo, instrument: Instrument, ticker: Ticker) -> list[str]:
    """Why the new ``price`` would make Bitget refuse the edit or cancel the order."""
    buy = (info.side or "").strip().lower() == "buy"
    problems: list[str] = []
    if is_post_only(info):
        if buy and ticker.ask is not None and price >= ticker.ask:
            problems.append(
                f"post-only buy at {format_decimal(price)} would cross the best ask "
                f"{format_decimal(ticker.ask)}; Bitget would cancel the order"
            )
        if not buy and ticker.bid is not None and price <= ticker.bid:
            problems.append(
                f"post-only sell at {format_decimal(price)} would cross the best bid "
                f"{format_decimal(ticker.bid)}; Bitget would cancel the order"
            )
    ratio = instrument.buyLimitPriceRatio if buy else instrument.sellLimitPriceRatio
    if ticker.mark is not None and ratio is not None:
        if buy and price > (ceiling := ticker.mark * (1 + ratio)):
            problems.append(
                f"buy price {format_decimal(price)} is above the band limit {format_decimal(ceiling)} "
                f"(mark {format_decimal(ticker.mark)} + {format_decimal(ratio * 100)}%)"
            )
        if not buy and price < (floor := ticker.mark * (1 - ratio)):
            problems.append(
                f"sell price {format_decimal(price)} is below the band limit {format_decimal(floor)} "
                f"(mark {format_decimal(ticker.mark)} - {format_decimal(ratio * 100)}%)"
            )
    return problems


def check_limits(
    edits: Sequence[PreparedEdit],
    orders: Mapping[int, OrderInfo | None],
    instruments: Mapping[str, Mapping[str, Instrument]],
    read_ticker: ReadTicker,
) -> tuple[list[PreparedEdit], list[EditProblem]]:
    """The planned edits that pass the limits above (``orders``: each edit's order as the book
    showed it, by input index), and the problems of the rest. The ticker of
    a symbol is read once, and only when an edit there sets a price the market can refuse."""
    tickers: dict[tuple[str, str], Ticker] = {}
    kept: list[PreparedEdit] = []
    problems: list[EditProblem] = []
    for edit in edits:
        payload, info = payload_of(edit), orders.get(edit.index)
        category, symbol = payload.category or "", payload.symbol or ""
        instrument = instruments.get(category, {}).get(symbol)
        issues: list[str] = []
        if info is not None and instrument is not None and edit.wanted is not None:
            wanted_price, wanted_qty = Decimal(edit.wanted.price), Decimal(edit.wanted.size)
            if payload.price is not None and (is_post_only(info) or has_band(instrument)):
                key = (category, symbol)
                if key not in tickers:
                    tickers[key] = read_ticker(category, symbol)
                issues += market_problems(wanted_price, info, instrument, tickers[key])
            issues += check_amount(instrument, wanted_price, wanted_qty)
        if issues:
            problems.append(EditProblem(edit.index, edit.label, tuple(issues)))
        else:
            kept.append(edit)
    return kept, problems
