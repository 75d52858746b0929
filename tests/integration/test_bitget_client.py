"""BitgetClient against the real sandbox process: signing, batches, rejections, faults, reconcile."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.exchanges.base import (
    FatalRequestError,
    MetadataError,
    Outcome,
    OutcomeUnknownError,
    PreparedEdit,
    Quote,
    TransientRequestError,
)
from airflow_batchmod.exchanges.bitget.client import BitgetClient, BitgetCredentials
from airflow_batchmod.exchanges.bitget.models import BitgetEdit
from airflow_batchmod.exchanges.bitget.validation import edit_label, parse_edit, to_wire
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.sandbox_state import bitget_orders, modify_requests
from tests.support.seed import BTC_FUTURES
from tests.support.timing import RecordingLimiter

BTC_LINE = {"symbol": "BTCUSDT", "category": "USDT-FUTURES"}
GOOD = BitgetCredentials(api_key="bg_demo_key", secret="bg_demo_secret", passphrase="bg_demo_pass")
PAPER = BitgetCredentials(api_key="bg_paper_key", secret="bg_paper_secret", passphrase="bg_paper_pass")


ETH_FUTURES = {
    **BTC_FUTURES,
    "symbol": "ETHUSDT",
    "baseCoin": "ETH",
    "pricePrecision": "2",
    "quantityPrecision": "2",
    "priceMultiplier": "0.01",
    "quantityMultiplier": "0.01",
    "minOrderQty": "0.01",
    "maxOrderQty": "500",
}


def _order(order_id: str, client_oid: str, price: str, qty: str, **extra: Any) -> dict[str, Any]:
    order = {
        "uid": "1001",
        "orderId": order_id,
        "clientOid": client_oid,
        "symbol": "BTCUSDT",
        "category": "USDT-FUTURES",
        "side": "buy",
        "price": price,
        "qty": qty,
        "filledQty": "0",
        "status": "live",
        "reduceOnly": False,
    }
    order.update(extra)
    return order


SEED: dict[str, Any] = {
    "bitget": {
        "accounts": [
            {
                "uid": "1001",
                "api_key": "bg_demo_key",
                "secret": "bg_demo_secret",
                "passphrase": "bg_demo_pass",
            },
            {
                "uid": "1002",
                "api_key": "bg_demo_key_2",
                "secret": "bg_demo_secret_2",
                "passphrase": "bg_demo_pass_2",
            },
            {
                "uid": "1003",
                "api_key": "bg_paper_key",
                "secret": "bg_paper_secret",
                "passphrase": "bg_paper_pass",
                "demo_trading": True,
            },
        ],
        "instruments": [BTC_FUTURES, ETH_FUTURES],
        "orders": [
            _order("1001", "ladder-1", "60000.0", "0.010"),
            _order("1002", "ladder-2", "59900.0", "0.010"),
            _order("1003", "ladder-3", "3000.00", "0.50", symbol="ETHUSDT", side="sell"),
            _order("1004", "ro-1", "61000.0", "0.010", side="sell", reduceOnly=True),
            _order("1005", "part-1", "59000.0", "0.050", filledQty="0.020", status="partially_filled"),
            _order("1006", "done-1", "58000.0", "0.010", filledQty="0.010", status="filled"),
            _order("9001", "other-1", "60000.0", "0.010", uid="1002"),
            _order("3001", "paper-1", "60000.0", "0.010", uid="1003"),
        ],
    }
}


@pytest.fixture
def venue(fresh_sandbox: Sandbox) -> Sandbox:
    fresh_sandbox.reset(copy.deepcopy(SEED))
    fresh_sandbox.clear_requests()
    return fresh_sandbox


@pytest.fixture
def client(venue: Sandbox) -> Iterator[BitgetClient]:
    with BitgetClient(GOOD, base_url=venue.url) as bitget:
        yield bitget


def prepared(client: BitgetClient, *raw: dict[str, Any]) -> list[PreparedEdit]:
    edits = [{"symbol": "BTCUSDT", "category": "USDT-FUTURES", **fields} for fields in raw]
    preparation = client.prepare(edits)
    assert preparation.problems == [], [p.describe() for p in preparation.problems]
    assert preparation.skipped == []
    return preparation.edits


def as_given(*raw: dict[str, Any]) -> list[PreparedEdit]:
    """Edits built from the input alone, without reading the book: what a venue does with edits
    the plan would have kept back (the book changed after planning, or another writer sent them)."""
    edits = []
    for index, fields in enumerate(raw):
        edit = parse_edit({"symbol": "BTCUSDT", "category": "USDT-FUTURES", **fields})
        assert isinstance(edit, BitgetEdit), edit
        edits.append(PreparedEdit(index, edit.order_key, edit.category, edit_label(edit), to_wire(edit)))
    return edits


def test_successful_batch_modifies_the_venue(client: BitgetClient, venue: Sandbox) -> None:
    edits = prepared(
        client,
        {"orderId": "1001", "price": "60010"},
        {"clientOid": "ladder-2", "price": 59910.5, "qty": "0.02"},
        {"orderId": 1003, "price": "3001.55", "symbol": "ETHUSDT"},
    )
    results = client.submit(edits)
    assert [(r.index, r.outcome, r.order_id) for r in results] == [
        (0, Outcome.APPLIED, "1001"),
        (1, Outcome.APPLIED, "1002"),
        (2, Outcome.APPLIED, "1003"),
    ]
    state = bitget_orders(venue)
    assert Decimal(state["1001"]["price"]) == Decimal("60010")
    assert (Decimal(state["1002"]["price"]), Decimal(state["1002"]["qty"])) == (
        Decimal("59910.5"),
        Decimal("0.02"),
    )
    assert Decimal(state["1003"]["price"]) == Decimal("3001.55")
    assert [state[i]["modifications"] for i in ("1001", "1002", "1003", "1004")] == [1, 1, 1, 0]
    (call,) = modify_requests(venue, "bitget")
    assert (call["status"], call["items"], call["order_keys"]) == (200, 3, ["1001", "ladder-2", "1003"])


#: Six edits the venue refuses, each for its own reason, and one it takes.
EDITS_THE_VENUE_REFUSES: tuple[dict[str, str], ...] = (
    {"orderId": "424242", "price": "60000.5"},  # no such order
    {"orderId": "9001", "price": "60000.5"},  # another account's order
    {"orderId": "1004", "price": "61000.5"},  # reduce-only
    {"orderId": "1005", "qty": "0.010"},  # below the 0.020 already filled
    {"orderId": "1001", "price": "60000"},  # same as now
    {"orderId": "1006", "price": "58000.5"},  # already filled
    {"orderId": "1002", "price": "59950"},  # fine
)


def test_plan_keeps_back_what_the_book_refuses(client: BitgetClient, venue: Sandbox) -> None:
    preparation = client.prepare(
        [{"symbol": "BTCUSDT", "category": "USDT-FUTURES", **fields} for fields in EDITS_THE_VENUE_REFUSES]
    )
    assert [(p.index, p.problems) for p in preparation.problems] == [
        (2, ("reduce-only orders cannot be modified on Bitget",)),
        (3, ("qty 0.01 is below the 0.02 already filled",)),
    ]
    assert [(s.index, s.status.value, s.before, s.message) for s in preparation.skipped] == [
        (0, "not_open", None, "Bitget does not know this order"),
        (1, "not_open", None, "Bitget does not know this order"),
        (4, "unchanged", Quote("60000", "0.01"), None),
        (5, "not_open", Quote("58000", "0.01"), "order is filled"),
    ]
    (edit,) = preparation.edits
    assert (edit.index, edit.before, edit.wanted) == (6, Quote("59900", "0.01"), Quote("59950", "0.01"))
    assert modify_requests(venue, "bitget") == []
    reads = [r["kind"] for r in venue.requests() if r["endpoint"] == "query"]
    # One open-orders page for BTCUSDT, order-info only for the three orders it does not list.
    assert sorted(reads) == ["order-info"] * 3 + ["unfilled-orders"]


def test_venue_refuses_edits_the_book_outran_after_planning(client: BitgetClient, venue: Sandbox) -> None:
    edits = prepared(
        client,
        {"orderId": "1001", "price": "60010"},
        {"orderId": "1005", "qty": "0.030"},
        {"orderId": "1002", "price": "59950"},
    )
    venue.fill("bitget", "1001")  # filled between planning and sending
    venue.fill("bitget", "1005", "0.020")  # now 0.040 of it is filled, more than the new qty
    results = client.submit(edits)
    assert [(r.outcome, r.code) for r in results] == [
        (Outcome.REJECTED, "25568"),
        (Outcome.REJECTED, "25568"),
        (Outcome.APPLIED, None),
    ]
    state = bitget_orders(venue)
    assert [state[i]["modifications"] for i in ("1001", "1005", "1002")] == [0, 0, 1]


def test_per_item_rejections(client: BitgetClient, venue: Sandbox) -> None:
    edits = as_given(*EDITS_THE_VENUE_REFUSES)
    results = client.submit(edits)
    assert [(r.outcome, r.code) for r in results] == [
        (Outcome.REJECTED, "25204"),
        (Outcome.REJECTED, "25204"),
        (Outcome.REJECTED, "25574"),
        (Outcome.REJECTED, "25568"),
        (Outcome.REJECTED, "25571"),
        (Outcome.REJECTED, "25568"),
        (Outcome.APPLIED, None),
    ]
    assert "filled qty" in (results[3].message or "")
    state = bitget_orders(venue)
    assert state["1002"]["modifications"] == 1
    assert all(state[i]["modifications"] == 0 for i in ("1001", "1004", "1005", "1006", "9001"))
    assert state["1004"]["status"] == "live"


def test_auto_cancel_cancels_the_order_whose_modification_failed(
    client: BitgetClient, venue: Sandbox
) -> None:
    (edit,) = as_given({"orderId": "1004", "price": "61000.5", "autoCancel": True})
    (result,) = client.submit([edit])
    # The refusal took the order off the book: the client reads it back and says so.
    assert (result.outcome, result.code) == (Outcome.CANCELLED, "25574")
    assert "autoCancel" in (result.message or "") and "modify_limit_order" in (result.message or "")
    order = bitget_orders(venue)["1004"]
    assert (order["status"], order["cancelReason"]) == ("cancelled", "modify_limit_order")
    # A refusal that cancels nothing (no such order) stays a rejection.
    (unknown,) = as_given({"orderId": "424242", "price": "61000.5", "autoCancel": True})
    assert [(r.outcome, r.code) for r in client.submit([unknown])] == [(Outcome.REJECTED, "25204")]


def test_precision_problems_are_caught_before_any_request(client: BitgetClient, venue: Sandbox) -> None:
    preparation = client.prepare(
        [
            {"orderId": "1001", "price": "60000.05", "symbol": "BTCUSDT", "category": "USDT-FUTURES"},
            {"orderId": "1002", "qty": "0.0005", "symbol": "BTCUSDT", "category": "USDT-FUTURES"},
            {"orderId": "1003", "qty": "501", "symbol": "ETHUSDT", "category": "USDT-FUTURES"},
            {"orderId": "1001", "price": "1", "symbol": "XRPUSDT", "category": "USDT-FUTURES"},
        ]
    )
    assert preparation.edits == []
    assert [p.problems for p in preparation.problems] == [
        ("price 60000.05 is not a multiple of the tick 0.1 for BTCUSDT",),
        (
            "qty 0.0005 is not a multiple of the step 0.001 for BTCUSDT",
            "qty 0.0005 is below the minimum 0.001 for BTCUSDT",
        ),
        ("qty 501 is above the maximum 500 for ETHUSDT",),
        ("symbol XRPUSDT is not a USDT-FUTURES instrument on Bitget",),
    ]
    calls = [entry for entry in venue.requests() if entry["venue"] == "bitget"]
    assert [entry["endpoint"] for entry in calls] == ["info"]  # one instruments read, no modify
    assert all(order["modifications"] == 0 for order in bitget_orders(venue).values())


@pytest.mark.parametrize(
    ("credentials", "code"),
    [
        (BitgetCredentials("bg_demo_key", "bg_demo_secret", "wrong_pass"), "40012"),
        (BitgetCredentials("bg_demo_key", "wrong_secret", "bg_demo_pass"), "40009"),
        (BitgetCredentials("no_such_key", "bg_demo_secret", "bg_demo_pass"), "40006"),
    ],
)
def test_bad_credentials_are_fatal(venue: Sandbox, credentials: BitgetCredentials, code: str) -> None:
    with BitgetClient(credentials, base_url=venue.url) as client:
        with pytest.raises(MetadataError):  # instruments are public, the book is not
            client.prepare([{"orderId": "1001", "price": "60010", **BTC_LINE}])
        edits = as_given({"orderId": "1001", "price": "60010"})
        with pytest.raises(FatalRequestError) as caught:
            client.submit(edits)
        with pytest.raises(FatalRequestError):
            client.account_settings()
    assert caught.value.code == code
    assert credentials.secret not in str(caught.value)
    assert credentials.passphrase not in str(caught.value)
    assert bitget_orders(venue)["1001"]["modifications"] == 0


def test_demo_trading_header(venue: Sandbox) -> None:
    with BitgetClient(PAPER, base_url=venue.url, demo_trading=True) as client:
        assert client.account_settings()["uid"] == "1003"
        (result,) = client.submit(prepared(client, {"orderId": "3001", "price": "60010"}))
        assert result.outcome is Outcome.APPLIED
    with BitgetClient(PAPER, base_url=venue.url) as client, pytest.raises(FatalRequestError) as caught:
        client.submit(as_given({"orderId": "3001", "price": "60020"}))
    assert caught.value.code == "40099"
    with (
        BitgetClient(GOOD, base_url=venue.url, demo_trading=True) as client,
        pytest.raises(FatalRequestError),
    ):
        client.account_settings()


def test_account_settings(client: BitgetClient) -> None:
    assert client.account_settings()["uid"] == "1001"


def test_drop_after_then_reconcile_finds_applied(client: BitgetClient, venue: Sandbox) -> None:
    edits = prepared(client, {"orderId": "1001", "price": "60010"}, {"clientOid": "ladder-2", "qty": "0.03"})
    venue.set_faults([{"venue": "bitget", "endpoint": "modify", "fault": "drop_after"}])
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    assert bitget_orders(venue)["1001"]["modifications"] == 1
    results = client.reconcile(edits)
    assert [(r.outcome, r.order_id) for r in results] == [
        (Outcome.APPLIED, "1001"),
        (Outcome.APPLIED, "1002"),
    ]


def test_drop_before_then_reconcile_finds_retry(client: BitgetClient, venue: Sandbox) -> None:
    edits = prepared(client, {"orderId": "1001", "price": "60010"}, {"orderId": "1002", "price": "59950"})
    venue.fill("bitget", "1002")
    venue.set_faults([{"venue": "bitget", "endpoint": "modify", "fault": "drop_before"}])
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    assert bitget_orders(venue)["1001"]["modifications"] == 0
    first, second = client.reconcile(edits)
    assert first.outcome is Outcome.RETRY
    assert second.outcome is Outcome.REJECTED  # filled before we came
    assert "filled" in (second.message or "")
    (again,) = client.submit([edits[0]])
    assert again.outcome is Outcome.APPLIED


@pytest.mark.parametrize(("after_apply", "expected"), [(True, Outcome.APPLIED), (False, Outcome.RETRY)])
def test_outcome_unknown_codes_are_reconciled(
    client: BitgetClient, venue: Sandbox, after_apply: bool, expected: Outcome
) -> None:
    edits = prepared(client, {"orderId": "1001", "price": "60010"})
    venue.set_faults(
        [{"venue": "bitget", "fault": "bitget_code", "code": "40010", "after_apply": after_apply}]
    )
    with pytest.raises(OutcomeUnknownError) as caught:
        client.submit(edits)
    assert caught.value.code == "40010"
    assert [r.outcome for r in client.reconcile(edits)] == [expected]


def test_reconcile_of_unknown_order_is_rejected(client: BitgetClient, venue: Sandbox) -> None:
    edits = as_given({"orderId": "424242", "price": "60010"}, {"clientOid": "nobody", "price": "60010"})
    assert [(r.outcome, r.code) for r in client.reconcile(edits)] == [
        (Outcome.REJECTED, "25204"),
        (Outcome.REJECTED, "25204"),
    ]


def test_reconcile_gives_up_after_bounded_retries(client: BitgetClient, venue: Sandbox) -> None:
    edits = prepared(client, {"orderId": "1001", "price": "60010"})
    venue.set_faults([{"venue": "bitget", "endpoint": "query", "fault": "http_500", "times": None}])
    venue.clear_requests()
    (result,) = client.reconcile(edits)
    assert result.outcome is Outcome.UNKNOWN
    queries = [e["kind"] for e in venue.requests() if e["endpoint"] == "query"]
    # Three tries of the open-orders list, then three of the order's own status.
    assert queries == ["unfilled-orders"] * 3 + ["order-info"] * 3


def test_injected_429_is_transient_and_500_is_in_doubt(client: BitgetClient, venue: Sandbox) -> None:
    edits = prepared(client, {"orderId": "1001", "price": "60010"})
    venue.set_faults(
        [
            {"venue": "bitget", "fault": "http_429", "times": 1},
            {"venue": "bitget", "fault": "http_500", "times": 1},
        ]
    )
    with pytest.raises(TransientRequestError) as throttled:
        client.submit(edits)
    assert throttled.value.code == "429"
    with pytest.raises(OutcomeUnknownError):  # a 5xx does not prove that nothing was applied
        client.submit(edits)
    assert bitget_orders(venue)["1001"]["modifications"] == 0
    assert [r.outcome for r in client.submit(edits)] == [Outcome.APPLIED]


def _twelve_quick_modifies(client: BitgetClient) -> list[str | None]:
    prices = ["60010", "60020"]
    edits = [prepared(client, {"orderId": "1001", "price": price})[0] for price in prices]
    errors = []
    for attempt in range(12):
        try:
            client.submit([edits[attempt % 2]])
        except TransientRequestError as exc:
            errors.append(exc.code)
    return errors


def test_the_client_paces_modifies_within_the_uid_limit(client: BitgetClient, venue: Sandbox) -> None:
    assert _twelve_quick_modifies(client) == []
    assert [call["status"] for call in modify_requests(venue, "bitget")] == [200] * 12


def test_unpaced_modifies_meet_the_venues_429(venue: Sandbox) -> None:
    with BitgetClient(GOOD, base_url=venue.url, modify_limiter=RecordingLimiter()) as unpaced:
        assert "429" in _twelve_quick_modifies(unpaced)
    statuses = [call["status"] for call in modify_requests(venue, "bitget")]
    assert statuses.count(200) <= 10


def test_shuffled_items_are_matched_by_id(client: BitgetClient, venue: Sandbox) -> None:
    venue.configure(shuffle_bitget_items=True)
    edits = as_given(
        {"orderId": "1001", "price": "60010"},
        {"orderId": "424242", "price": "60010"},
        {"clientOid": "ladder-2", "price": "59910"},
        {"orderId": "1004", "price": "61000.5"},
    )
    for _ in range(3):
        venue.reset(copy.deepcopy(SEED))
        venue.configure(shuffle_bitget_items=True)
        results = client.submit(edits)
        assert [(r.outcome, r.code) for r in results] == [
            (Outcome.APPLIED, None),
            (Outcome.REJECTED, "25204"),
            (Outcome.APPLIED, None),
            (Outcome.REJECTED, "25574"),
        ]
