"""HyperliquidClient against a scripted venue: what is kept back before sending (a post-only
price that crosses the book, an order under the minimum value) and what a refused modify left on
the book (``cancelled`` or ``rejected``), plus the expiry retry allowance."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from airflow_batchmod.exchanges.base import FatalRequestError, Outcome, TransientRequestError
from tests.support.hl_venue import FakeVenue, _edit, _err, _ok, _open_order, _prepared, _status

# --- kept back before sending ----------------------------------------------------------------------


def _book(bid: str, ask: str) -> dict[str, Any]:
    return {
        "coin": "BTC",
        "time": 1,
        "levels": [[{"px": bid, "sz": "1", "n": 1}], [{"px": ask, "sz": "1", "n": 1}]],
    }


@pytest.mark.parametrize(
    ("edit", "book_price"),
    [
        (_edit(1, price="60000", order_type={"limit": {"tif": "Alo"}}), "best ask 59990"),
        (_edit(1, price="60000"), "best ask 59990"),  # a Gtc without always-place rests as Alo
        (_edit(1, is_buy=False, price="59000", order_type={"limit": {"tif": "Alo"}}), "best bid 59980"),
    ],
)
def test_a_post_only_edit_that_crosses_the_book_is_invalid(edit: dict[str, Any], book_price: str) -> None:
    venue = FakeVenue(open_orders=[_open_order(1)], book=_book("59980", "59990"))
    preparation = venue.client().prepare([edit])
    assert preparation.edits == []
    (problem,) = preparation.problems
    assert book_price in problem.describe() and "edit #0" in problem.describe()
    assert [call for call in venue.info_calls if call["type"] == "l2Book"] == [
        {"type": "l2Book", "coin": "BTC"}
    ]


def test_an_edit_that_does_not_cross_or_places_with_always_place_is_kept() -> None:
    venue = FakeVenue(open_orders=[_open_order(1), _open_order(2)], book=_book("59980", "59990"))
    edits = [_edit(1, price="59900", order_type={"limit": {"tif": "Alo"}}), _edit(2, price="59900")]
    assert [e.index for e in venue.client().prepare(edits).edits] == [0, 1]
    # One book read for both edits on BTC.
    assert sum(1 for call in venue.info_calls if call["type"] == "l2Book") == 1
    ioc = FakeVenue(open_orders=[_open_order(1)], book=_book("59980", "59990"))
    crossing = _edit(1, price="60000", order_type={"limit": {"tif": "Ioc"}})
    assert len(ioc.client(always_place=True).prepare([crossing]).edits) == 1
    assert not any(call["type"] == "l2Book" for call in ioc.info_calls)


def test_an_edit_under_the_minimum_value_is_invalid_without_reading_the_book() -> None:
    venue = FakeVenue(open_orders=[_open_order(1)])
    preparation = venue.client().prepare([_edit(1, price="59000", size="0.0001")])
    (problem,) = preparation.problems
    assert "worth 5.9 USDC, under the minimum order value of 10 USDC" in problem.describe()
    assert not any(call["type"] in ("l2Book", "orderStatus") for call in venue.info_calls)


# --- what a refusal left on the book ---------------------------------------------------------------


def test_an_expiry_refusal_is_retried_once_then_stops() -> None:
    venue = FakeVenue(open_orders=[_open_order(1)], exchange=[_err("Action expired"), _err("Action expired")])
    client, edits = _prepared(venue, _edit(1))
    with pytest.raises(TransientRequestError):
        client.submit(edits)
    with pytest.raises(FatalRequestError) as caught:
        client.submit(edits)
    assert caught.value.code == "expired" and "check the clock" in caught.value.message


def test_an_unclassified_refusal_whose_order_is_gone_is_cancelled() -> None:
    venue = FakeVenue(open_orders=[_open_order(1), _open_order(2)], exchange=[_err("Something new")])
    client, edits = _prepared(venue, _edit(1), _edit(2))
    venue.open_orders = [_open_order(2)]
    venue.statuses[1] = _status(1, "canceled")
    cancelled, rejected = client.submit(edits)
    assert cancelled.outcome is Outcome.CANCELLED and "Something new" in (cancelled.message or "")
    assert rejected.outcome is Outcome.REJECTED


@pytest.mark.parametrize(
    ("state", "outcome"),
    [("canceled", Outcome.CANCELLED), ("filled", Outcome.REJECTED), ("marginCanceled", Outcome.REJECTED)],
)
def test_an_item_error_is_judged_by_where_the_original_is(state: str, outcome: Outcome) -> None:
    refusal = "Error placing new order during modify: Post only order would have immediately matched"
    venue = FakeVenue(open_orders=[_open_order(1)], exchange=[_ok({"error": refusal})])
    client, edits = _prepared(venue, _edit(1))
    venue.open_orders = []
    venue.statuses[1] = _status(1, state)
    (result,) = client.submit(edits)
    assert (
        result.outcome is outcome
        and state in (result.message or "")
        and "Post only" in (result.message or "")
    )


def test_an_item_error_whose_book_cannot_be_read_is_unknown() -> None:
    venue = FakeVenue(
        open_orders=[_open_order(1)], exchange=[_ok({"error": "Insufficient margin to place order."})]
    )
    client, edits = _prepared(venue, _edit(1))
    venue.info_failures["frontendOpenOrders"] = [httpx.Response(200, json={"no": "list"})]
    (result,) = client.submit(edits)
    assert result.outcome is Outcome.UNKNOWN and "could not be read" in (result.message or "")


def test_cannot_modify_a_closed_order_reads_nothing() -> None:
    venue = FakeVenue(
        open_orders=[_open_order(1)], exchange=[_ok({"error": "Cannot modify canceled or filled order"})]
    )
    client, edits = _prepared(venue, _edit(1))
    calls = len(venue.info_calls)
    (result,) = client.submit(edits)
    assert result.outcome is Outcome.REJECTED and len(venue.info_calls) == calls
