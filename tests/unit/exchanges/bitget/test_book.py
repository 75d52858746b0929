"""Reading the Bitget book in pages, and judging edits against it (plan and confirm)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.exchanges.base import EditProblem, Landing, PlannedSkip, PlanStatus, PreparedEdit, Quote
from airflow_batchmod.exchanges.bitget.book import BookReader, BookReadError, OrderRef
from airflow_batchmod.exchanges.bitget.confirmation import confirmation
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem, BitgetEnvelope, OrderInfo
from airflow_batchmod.exchanges.bitget.planning import plan_edit


def listed(order_id: str, client_oid: str | None = None, **fields: str) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "clientOid": client_oid,
        "symbol": "BTCUSDT",
        "category": "USDT-FUTURES",
        "price": "60000.0",
        "qty": "0.010",
        "cumExecQty": "0",
        "orderStatus": "live",
        "reduceOnly": "NO",
        **fields,
    }


class ScriptedReads:
    """Answers reads from tables and records what was asked."""

    def __init__(self, pages: list[list[dict[str, Any]]], infos: dict[str, Any] | None = None) -> None:
        self.pages = pages
        self.infos = infos or {}
        self.tickers: list[dict[str, str]] = []
        self.calls: list[tuple[str, dict[str, str]]] = []

    def __call__(self, path: str, params: Mapping[str, str], signed: bool) -> tuple[int, BitgetEnvelope]:
        self.calls.append((path.rsplit("/", 1)[-1], dict(params)))
        if path.endswith("unfilled-orders"):
            number = int(params.get("cursor", "page0").removeprefix("page"))
            page = self.pages[number]
            cursor = f"page{number + 1}" if number + 1 < len(self.pages) else ""
            return 200, BitgetEnvelope(code="00000", data={"list": page, "cursor": cursor})
        if path.endswith("tickers"):
            return 200, BitgetEnvelope(code="00000", data=self.tickers)
        asked = params.get("orderId") or params.get("clientOid") or ""
        found = self.infos.get(asked)
        if found is None:
            return 400, BitgetEnvelope(code="25204", msg="Order does not exist")
        return 200, BitgetEnvelope(code="00000", data=found)


def full_page(start: int) -> list[dict[str, Any]]:
    return [listed(str(n)) for n in range(start, start + 100)]


def ref(order_id: str | None = None, client_oid: str | None = None, symbol: str = "BTCUSDT") -> OrderRef:
    return OrderRef("USDT-FUTURES", symbol, order_id, client_oid)


def test_paging_stops_once_every_wanted_order_was_seen() -> None:
    reads = ScriptedReads([full_page(1), full_page(101), full_page(201)])
    view = BookReader(reads, list).read([ref("5"), ref("150")])
    assert [call for call, _ in reads.calls] == ["unfilled-orders", "unfilled-orders"]
    assert reads.calls[0][1] == {"limit": "100", "category": "USDT-FUTURES", "symbol": "BTCUSDT"}
    assert reads.calls[1][1]["cursor"] == "page1"
    assert set(view.orders) == view.listed == {"orderId:5", "orderId:150"}
    assert (view.pages, view.by_status) == (2, 0)


def test_a_long_listing_is_read_to_its_end_in_pages() -> None:
    reads = ScriptedReads([full_page(1 + 100 * n) for n in range(25)])
    view = BookReader(reads, list).read([ref("2450")])
    assert [call for call, _ in reads.calls] == ["unfilled-orders"] * 25
    assert view.orders["orderId:2450"] is not None


class LoopingReads(ScriptedReads):
    """A listing whose cursor keeps pointing back at its second page."""

    def __call__(self, path: str, params: Mapping[str, str], signed: bool) -> tuple[int, BitgetEnvelope]:
        status, envelope = super().__call__(path, params, signed)
        if path.endswith("unfilled-orders"):
            envelope = BitgetEnvelope(code="00000", data={"list": full_page(1), "cursor": "page1"})
        return status, envelope


def test_a_listing_whose_cursor_comes_back_is_left_for_single_lookups() -> None:
    reads = LoopingReads([full_page(1), full_page(101)], infos={"5000": listed("5000")})
    view = BookReader(reads, list).read([ref("5000")])
    assert [call for call, _ in reads.calls] == ["unfilled-orders"] * 2 + ["order-info"]
    assert view.orders["orderId:5000"] is not None


def test_orders_not_listed_are_asked_about_one_by_one() -> None:
    gone = listed("900", orderStatus="filled", cumExecQty="0.010")
    reads = ScriptedReads([[listed("1", "mine")]], infos={"900": gone})
    view = BookReader(reads, list).read([ref(client_oid="mine"), ref("900"), ref("404")])
    assert [call for call, _ in reads.calls].count("unfilled-orders") == 1  # a short page ends the list
    assert sorted(params.get("orderId", "") for call, params in reads.calls if call == "order-info") == [
        "404",
        "900",
    ]
    assert view.orders["clientOid:mine"] is not None
    assert view.orders["orderId:900"] is not None and view.orders["orderId:900"].orderStatus == "filled"
    assert view.orders["orderId:404"] is None
    assert view.by_status == 2


def test_one_listing_per_category_and_symbol() -> None:
    reads = ScriptedReads([[listed("1"), listed("2", symbol="ETHUSDT")]])
    BookReader(reads, list).read([ref("1"), ref("2", symbol="ETHUSDT"), ref("3")])
    symbols = sorted(params["symbol"] for call, params in reads.calls if call == "unfilled-orders")
    assert symbols == ["BTCUSDT", "ETHUSDT"]


def test_a_refused_listing_is_fatal_for_credentials() -> None:
    def refuse(path: str, params: Mapping[str, str], signed: bool) -> tuple[int, BitgetEnvelope]:
        return 400, BitgetEnvelope(code="40012", msg="apikey/password is incorrect")

    with pytest.raises(BookReadError) as caught:
        BookReader(refuse, list).read([ref("1")])
    assert caught.value.fatal and "40012" in caught.value.message


@pytest.mark.parametrize(
    ("ticker", "mid"),
    [
        ({"bid1Price": "59999.9", "ask1Price": "60000.1", "lastPrice": "1"}, Decimal("60000.0")),
        ({"bid1Price": "59999.9", "ask1Price": "", "lastPrice": "60001"}, Decimal("60001")),
        ({"bid1Price": "", "ask1Price": "", "lastPrice": "", "markPrice": "60002"}, Decimal("60002")),
    ],
)
def test_mid_price_falls_back_to_last_then_mark(ticker: dict[str, str], mid: Decimal) -> None:
    reads = ScriptedReads([])
    reads.tickers = [{"symbol": "OTHER", "bid1Price": "1", "ask1Price": "1"}, {"symbol": "BTCUSDT", **ticker}]
    assert BookReader(reads, list).mid_price("USDT-FUTURES", "BTCUSDT") == mid


# -- plan and confirm -------------------------------------------------------------------------------


def edit(**fields: str) -> PreparedEdit:
    item = BatchModifyItem(orderId="1", symbol="BTCUSDT", category="USDT-FUTURES", **fields)
    return PreparedEdit(0, "orderId:1", "USDT-FUTURES", "edit", item)


def info(**fields: str) -> OrderInfo:
    return OrderInfo.model_validate(listed("1", **fields))


def test_plan_fills_in_before_and_wanted_keeping_what_the_edit_leaves_alone() -> None:
    planned = plan_edit(edit(price="60010"), info())
    assert isinstance(planned, PreparedEdit)
    assert (planned.before, planned.wanted) == (Quote("60000", "0.01"), Quote("60010", "0.01"))


@pytest.mark.parametrize(
    ("fields", "book"),
    [({"price": "60000"}, {}), ({"price": "60000.00", "qty": "0.01"}, {}), ({"qty": "0.010"}, {})],
)
def test_an_edit_equal_to_the_book_is_unchanged(fields: dict[str, str], book: dict[str, str]) -> None:
    planned = plan_edit(edit(**fields), info(**book))
    assert isinstance(planned, PlannedSkip)
    assert (planned.status, planned.before, planned.order_id) == (
        PlanStatus.UNCHANGED,
        Quote("60000", "0.01"),
        "1",
    )


@pytest.mark.parametrize(
    ("book", "message"),
    [({"orderStatus": "filled"}, "order is filled"), ({"orderStatus": "cancelled"}, "order is cancelled")],
)
def test_a_closed_order_is_not_open(book: dict[str, str], message: str) -> None:
    planned = plan_edit(edit(price="60010"), info(**book))
    assert isinstance(planned, PlannedSkip)
    assert (planned.status, planned.message) == (PlanStatus.NOT_OPEN, message)
    unknown = plan_edit(edit(price="60010"), None)
    assert isinstance(unknown, PlannedSkip) and unknown.status is PlanStatus.NOT_OPEN


@pytest.mark.parametrize(
    ("fields", "book", "problem"),
    [
        ({"price": "60010"}, {"reduceOnly": "YES"}, "reduce-only orders cannot be modified on Bitget"),
        ({"qty": "0.004"}, {"cumExecQty": "0.005", "orderStatus": "partially_filled"}, "below the 0.005"),
        ({"price": "60010"}, {"symbol": "ETHUSDT"}, "the order is on ETHUSDT, not BTCUSDT"),
    ],
)
def test_edits_the_order_refuses_are_invalid(
    fields: dict[str, str], book: dict[str, str], problem: str
) -> None:
    planned = plan_edit(edit(**fields), info(**book))
    assert isinstance(planned, EditProblem)
    assert problem in planned.describe()


def test_confirmation_reads_landed_pending_and_gone() -> None:
    sent = PreparedEdit(
        0,
        "orderId:1",
        "USDT-FUTURES",
        "edit",
        BatchModifyItem(orderId="1", price="60010"),
        wanted=Quote("60010", "0.01"),
    )
    landed = confirmation(sent, info(price="60010.0"))
    assert (landed.landing, landed.after) == (Landing.LANDED, Quote("60010", "0.01"))
    assert confirmation(sent, info()).landing is Landing.PENDING
    gone = confirmation(sent, info(orderStatus="filled"))
    assert gone.landing is Landing.GONE and "filled" in (gone.message or "")
    assert confirmation(sent, None).landing is Landing.GONE
