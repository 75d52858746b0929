"""HyperliquidClient against a scripted venue when an answer settles nothing: reconcile, retarget, confirm."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from airflow_batchmod.exchanges.base import Landing, Outcome, OutcomeUnknownError
from airflow_batchmod.exchanges.hyperliquid.client import ModifyPayload
from airflow_batchmod.exchanges.hyperliquid.cloids import derived_cloid
from tests.support.hl_venue import (
    OWN_CLOID,
    USER,
    Answer,
    FakeVenue,
    _edit,
    _ok,
    _open_order,
    _prepared,
    _status,
)

# --- reconcile ---------------------------------------------------------------------------------


def _book_after(statuses: dict[int | str, Any]) -> list[dict[str, Any]]:
    """The open-orders list that agrees with ``statuses``: every order they show as open."""
    shown = {st["order"]["order"]["oid"]: st for st in statuses.values() if isinstance(st, dict)}
    return [st["order"]["order"] for st in shown.values() if st["order"]["status"] == "open"]


def _reconcile(statuses: dict[int | str, Any], *raw: dict[str, Any], **fails: list[Answer]) -> list[Any]:
    venue = FakeVenue(open_orders=[_open_order(1, cloid=OWN_CLOID), _open_order(2)])
    client, edits = _prepared(venue, *raw)
    venue.statuses.update(statuses)
    venue.open_orders = _book_after(statuses)
    venue.info_failures.update(fails)
    return client.reconcile(edits)


def test_reconcile_settles_from_the_open_orders_list_first(caplog: pytest.LogCaptureFixture) -> None:
    replaced = derived_cloid(USER, 1, 2, "59500", "0.02")
    gone = derived_cloid(USER, 2, 3, "59500", "0.02")
    venue = FakeVenue(open_orders=[_open_order(1, cloid=OWN_CLOID), _open_order(2), _open_order(3)])
    client, edits = _prepared(venue, _edit(1), _edit(2), _edit(3))
    # After the lost answer: order 1 untouched, order 2 replaced by 88, order 3 replaced by 99 that filled.
    venue.open_orders = [_open_order(1, cloid=OWN_CLOID), _open_order(88, cloid=replaced)]
    venue.statuses.update({gone: _status(99, "filled", gone)})
    venue.info_calls.clear()
    with caplog.at_level(logging.INFO):
        results = client.reconcile(edits)
    assert [(r.outcome, r.order_id) for r in results] == [
        (Outcome.RETRY, None),
        (Outcome.APPLIED, "88"),
        (Outcome.APPLIED, "99"),
    ]
    assert [call["type"] for call in venue.info_calls] == ["frontendOpenOrders", "orderStatus"]
    assert (
        "reconciling 3 in-doubt edits: 2 settled from the open-orders list, 1 by order status" in caplog.text
    )


def test_reconcile_falls_back_to_order_status_when_the_list_is_unreadable() -> None:
    cloid = derived_cloid(USER, 0, 2, "59500", "0.02")
    down: list[Answer] = [httpx.Response(500)] * 3
    (result,) = _reconcile({cloid: _status(88, "open", cloid)}, _edit(2), frontendOpenOrders=down)
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, "88")


def test_reconcile_applied_by_cloid() -> None:
    (result,) = _reconcile(
        {OWN_CLOID: _status(77, "open", OWN_CLOID), 1: _status(1, "canceled", OWN_CLOID)}, _edit(1)
    )
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, "77")


def test_reconcile_applied_when_the_replacement_filled() -> None:
    (result,) = _reconcile({OWN_CLOID: _status(77, "filled", OWN_CLOID)}, _edit(1))
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, "77")


def test_reconcile_retry_when_the_original_is_still_open() -> None:
    # the cloid still points at the original order itself: nothing replaced it
    (result,) = _reconcile(
        {OWN_CLOID: _status(1, "open", OWN_CLOID), 1: _status(1, "open", OWN_CLOID)}, _edit(1)
    )
    assert result.outcome is Outcome.RETRY


def test_reconcile_derived_cloid() -> None:
    cloid = derived_cloid(USER, 0, 2, "59500", "0.02")
    (applied,) = _reconcile({cloid: _status(88, "open", cloid)}, _edit(2))
    assert (applied.outcome, applied.order_id) == (Outcome.APPLIED, "88")
    (retry,) = _reconcile({2: _status(2, "open")}, _edit(2))
    assert retry.outcome is Outcome.RETRY


@pytest.mark.parametrize("state", ["filled", "rejected", "marginCanceled"])
def test_reconcile_rejected_when_gone_without_replacement(state: str) -> None:
    (result,) = _reconcile({2: _status(2, state)}, _edit(2))
    assert result.outcome is Outcome.REJECTED and state in (result.message or "")


def test_reconcile_cancelled_when_the_modify_took_the_order_and_placed_nothing() -> None:
    (result,) = _reconcile({2: _status(2, "canceled")}, _edit(2))
    assert result.outcome is Outcome.CANCELLED and "canceled" in (result.message or "")


def test_reconcile_unknown_when_the_cloid_lookup_names_the_cancelled_original() -> None:
    # Original and replacement share a cloid; the venue may answer the original for it.
    (result,) = _reconcile(
        {OWN_CLOID: _status(1, "canceled", OWN_CLOID), 1: _status(1, "canceled")}, _edit(1)
    )
    assert result.outcome is Outcome.UNKNOWN and "replacement may still exist" in (result.message or "")


def test_reconcile_rejected_when_unknown() -> None:
    (result,) = _reconcile({}, _edit(2))
    assert result.outcome is Outcome.REJECTED and "unknown" in (result.message or "")


def test_reconcile_replacement_that_was_rejected_does_not_count() -> None:
    cloid = derived_cloid(USER, 0, 2, "59500", "0.02")
    (result,) = _reconcile({cloid: _status(88, "rejected", cloid), 2: _status(2, "canceled")}, _edit(2))
    # The original was cancelled by the modify and its replacement refused: off the book.
    assert result.outcome is Outcome.CANCELLED


def test_reconcile_by_cloid_target() -> None:
    (applied,) = _reconcile({OWN_CLOID: _status(99, "open", OWN_CLOID)}, _edit(OWN_CLOID))
    assert (applied.outcome, applied.order_id) == (Outcome.APPLIED, "99")
    (retry,) = _reconcile({OWN_CLOID: _status(1, "open", OWN_CLOID)}, _edit(OWN_CLOID))
    assert retry.outcome is Outcome.RETRY


def test_reconcile_retries_reads_then_gives_unknown() -> None:
    cloid = derived_cloid(USER, 0, 2, "59500", "0.02")
    flaky: list[Answer] = [httpx.Response(502), httpx.Response(429, content=b"null")]
    (result,) = _reconcile({cloid: _status(88, "filled", cloid)}, _edit(2), orderStatus=flaky)
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, "88")
    down: list[Answer] = [httpx.Response(500)] * 3
    (result,) = _reconcile({}, _edit(2), orderStatus=down)
    assert result.outcome is Outcome.UNKNOWN and "HTTP 500" in (result.message or "")
    garbage: list[Answer] = [httpx.Response(200, json={"status": "order"})]
    (result,) = _reconcile({}, _edit(2), orderStatus=garbage)
    assert result.outcome is Outcome.UNKNOWN


def test_retarget() -> None:
    venue = FakeVenue(open_orders=[_open_order(1, cloid=OWN_CLOID)], exchange=[_ok({"resting": {"oid": 9}})])
    client, (edit,) = _prepared(venue, _edit(OWN_CLOID))
    moved = client.retarget(edit, "77")
    payload = moved.payload
    assert isinstance(payload, ModifyPayload)
    assert (payload.target, payload.known_oid, payload.cloid) == (77, 77, OWN_CLOID)
    assert moved.order_key == edit.order_key and moved.index == edit.index
    assert moved.label == "oid=77 BTC buy 0.02@59500"
    assert edit.payload.target == OWN_CLOID  # the original is untouched
    client.submit([moved])
    assert venue.sent[0]["action"]["modifies"][0]["oid"] == 77


def test_confirm_reads_nothing_for_answers_that_name_the_replacement() -> None:
    venue = FakeVenue(
        open_orders=[_open_order(1), _open_order(2)],
        exchange=[_ok({"resting": {"oid": 11}}, {"error": "Insufficient margin to place order."})],
    )
    client, edits = _prepared(venue, _edit(1), _edit(2))
    applied, _ = client.submit(edits)
    calls = len(venue.info_calls)
    (landed,) = client.confirm([client.retarget(edits[0], applied.order_id or "")])
    assert (landed.landing, landed.after) == (Landing.LANDED, edits[0].wanted)
    assert len(venue.info_calls) == calls
    # Settled by asking (no final answer), the book is read.
    client.confirm([client.retarget(edits[1], "12")])
    assert venue.info_calls[calls]["type"] == "frontendOpenOrders"


def test_a_lost_answer_is_reconciled_only_after_the_action_expired() -> None:
    venue = FakeVenue(open_orders=[_open_order(1)])
    client, edits = _prepared(venue, _edit(1), expires_after_ms=3000)
    request = httpx.Request("POST", "http://venue.invalid/exchange")
    venue.exchange.append(httpx.ReadTimeout("slow", request=request))
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    assert venue.sleeps == []
    (result,) = client.reconcile(edits)
    assert result.outcome is Outcome.RETRY
    (waited,) = venue.sleeps
    assert 0 < waited <= 3.5  # at most the action's 3 s lifetime plus the clock-skew grace
