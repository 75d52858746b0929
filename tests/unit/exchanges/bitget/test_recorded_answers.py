"""Our parsers read every recorded real Bitget answer to a call the client makes, with the right values.

The recordings (``tests/data/recorded/bitget/``, see its README) are fed to the same code the
client runs on a live answer: the envelope, the instrument and order models, the book reader
(through its read function, without HTTP) and the batch-modify answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.exchanges.base import Outcome, PreparedEdit
from airflow_batchmod.exchanges.bitget.book import BookReader, OrderRef
from airflow_batchmod.exchanges.bitget.errors import ERROR_TABLE, ErrorClass, classify
from airflow_batchmod.exchanges.bitget.models import BatchModifyItem, BitgetEnvelope, Instrument
from airflow_batchmod.exchanges.bitget.responses import modify_results, parse_envelope
from tests.support.recorded import recordings

DECIMALS = ("pricePrecision", "quantityPrecision", "priceMultiplier", "quantityMultiplier", "minOrderQty",
            "maxOrderQty", "minOrderAmount", "buyLimitPriceRatio", "sellLimitPriceRatio")  # fmt: skip


def envelope(recording: Mapping[str, Any]) -> BitgetEnvelope:
    parsed = parse_envelope(json.dumps(recording["answer"]).encode())
    assert parsed is not None and parsed.code == "00000"
    return parsed


def reader_of(recording: Mapping[str, Any]) -> tuple[BookReader, list[tuple[str, dict[str, str]]]]:
    """A book reader whose every read answers with the recording; the reads it made."""
    reads: list[tuple[str, dict[str, str]]] = []

    def read(path: str, params: Mapping[str, str], signed: bool) -> tuple[int, BitgetEnvelope]:
        reads.append((path, dict(params)))
        return recording["status"], envelope(recording)

    return BookReader(read, list), reads


def cases(path: str) -> list[Any]:
    return [pytest.param(recording, id=name) for name, recording in recordings("bitget", path)]


def _decimal(text: object) -> Decimal | None:
    return Decimal(str(text)) if text not in (None, "") else None


@pytest.mark.parametrize("recording", cases("/api/v3/market/instruments"))
def test_instruments(recording: dict[str, Any]) -> None:
    for raw in recording["answer"]["data"]:
        instrument = Instrument.model_validate(raw)
        assert (instrument.symbol, instrument.category, instrument.status) == (
            raw["symbol"],
            raw["category"],
            raw["status"],
        )
        for name in DECIMALS:
            assert _decimal(getattr(instrument, name)) == _decimal(raw.get(name)), name
    # Every recorded instrument carries its price band.
    assert all(Instrument.model_validate(raw).buyLimitPriceRatio for raw in recording["answer"]["data"])


@pytest.mark.parametrize("recording", cases("/api/v3/market/tickers"))
def test_tickers(recording: dict[str, Any]) -> None:
    query = recording["call"]["query"]
    raw = recording["answer"]["data"][0]
    book, reads = reader_of(recording)
    ticker = book.ticker(query["category"], query["symbol"])
    bid, ask = _decimal(raw["bid1Price"]), _decimal(raw["ask1Price"])  # the docs' spot ask is ""
    assert (ticker.bid, ticker.ask) == (bid, ask)
    assert ticker.mark == Decimal(raw.get("markPrice") or raw["lastPrice"])
    mid = book.mid_price(query["category"], query["symbol"])
    assert mid == ((bid + ask) / 2 if bid and ask else Decimal(raw["lastPrice"]))
    assert reads[0] == ("/api/v3/market/tickers", query)


@pytest.mark.parametrize("recording", cases("/api/v3/trade/order-info"))
def test_order_info(recording: dict[str, Any]) -> None:
    raw = recording["answer"]["data"]
    book, _ = reader_of(recording)
    info = book.order_info(
        OrderRef(raw["category"], raw["symbol"], recording["call"]["query"]["orderId"], None)
    )
    assert info is not None
    assert (info.orderId, info.clientOid, info.orderStatus, info.side) == (
        raw["orderId"],
        raw["clientOid"],
        raw["orderStatus"],
        raw["side"],
    )
    assert (info.price, info.qty, info.cumExecQty) == (
        Decimal(raw["price"]),
        Decimal(raw["qty"]),
        Decimal(raw["cumExecQty"]),
    )
    assert (info.timeInForce, info.cancelReason, info.reduceOnly) == ("gtc", None, "NO")  # "" is None


@pytest.mark.parametrize("recording", cases("/api/v3/trade/unfilled-orders"))
def test_unfilled_orders_one_short_page_with_a_cursor(recording: dict[str, Any]) -> None:
    query = recording["call"]["query"]
    listed = recording["answer"]["data"]["list"]
    assert recording["answer"]["data"]["cursor"]  # real pages carry a cursor even when short
    book, reads = reader_of(recording)
    orders = book.open_orders(query["category"], query["symbol"])
    assert len(reads) == 1  # a short page ends the listing, whatever its cursor says
    assert [(o.orderId, o.price, o.qty, o.orderStatus) for o in orders] == [
        (raw["orderId"], Decimal(raw["price"]), Decimal(raw["qty"]), raw["orderStatus"]) for raw in listed
    ]


@pytest.mark.parametrize("recording", cases("/api/v3/trade/batch-modify-order"))
def test_batch_modify_items_are_matched_by_id(recording: dict[str, Any]) -> None:
    sent = [BatchModifyItem.model_validate(item) for item in recording["call"]["body"]]
    edits = [PreparedEdit(i, f"orderId:{item.orderId}", "x", f"#{i}", item) for i, item in enumerate(sent)]
    results = modify_results(recording["status"], json.dumps(recording["answer"]).encode(), edits, [])
    answered = recording["answer"]["data"]
    assert [(r.outcome, r.order_id) for r in results] == [(Outcome.APPLIED, a["orderId"]) for a in answered]


def test_the_codes_we_group_match_the_uta_error_list() -> None:
    recording = dict(recordings("bitget"))["error-codes__docs.json"]
    documented = {entry["code"]: entry["msg"] for entry in recording["answer"]}
    # Outcome unknown until reconciled: the venue's own timeouts and system errors.
    assert documented["25000"] == "System error, please try again later"
    assert documented["25001"] == "Operation timed out"
    assert classify("25000") is classify("25001") is ErrorClass.OUTCOME_UNKNOWN
    # The band codes: 25205 below the band, 25206 above it.
    assert "below" in documented["25205"] and "exceed" in documented["25206"]
    for code in ("25204", "25568", "25571", "25574", "25114", "25572", "25573", "25653"):
        assert code in documented and code in ERROR_TABLE
