"""HyperliquidClient on the sandbox: what a batch modify does to each order, and what the venue refuses."""

from __future__ import annotations

from airflow_batchmod.exchanges.base import Outcome
from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.hyperliquid_on_sandbox import (
    BTC_ALO_CLOID,
    _as_given,
    _btc,
    _client,
    _keeps_original,
    _outcomes,
    _prepare,
    _replacement,
)
from tests.support.sandbox_state import hyperliquid_orders


def test_batch_modify_returns_the_replacement_oids(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(
        client,
        [
            _btc(1000002, "59810", "0.002"),
            _btc(1000003, "59710", "0.003"),
            {"oid": 1000021, "coin": "ETH", "is_buy": True, "price": "2991.5", "size": "0.02"},
            {
                "oid": 1000054,
                "order": {
                    "a": 10000,
                    "b": True,
                    "p": "0.191",
                    "s": "150",
                    "r": False,
                    "t": {"limit": {"tif": "Gtc"}},
                },
            },
        ],
    )
    results = client.submit(edits)
    assert _outcomes(results) == [Outcome.APPLIED] * 4
    orders = hyperliquid_orders(sandbox)
    for edit, result, (oid, price, size) in zip(
        edits,
        results,
        [
            (1000002, "59810", "0.002"),
            (1000003, "59710", "0.003"),
            (1000021, "2991.5", "0.02"),
            (1000054, "0.191", "150"),
        ],
        strict=True,
    ):
        assert result.index == edit.index
        old = orders[oid]
        assert old["status"] == "canceled"
        assert result.order_id == str(old["replacedBy"])
        new = orders[int(result.order_id)]
        assert (new["status"], new["replaces"], new["limitPx"], new["sz"]) == ("open", oid, price, size)
        # every modify carries a cloid; an order that had one keeps it
        assert new["cloid"] == edit.payload.cloid
    assert orders[int(results[2].order_id or 0)]["cloid"] == "0x0000000a000000000000000000000015"
    modify_log = [entry for entry in sandbox.requests() if entry["endpoint"] == "modify"]
    assert len(modify_log) == 1 and modify_log[0]["items"] == 4


def test_modify_by_cloid(sandbox: Sandbox, client: HyperliquidClient) -> None:
    (edit,) = _prepare(client, [_btc(BTC_ALO_CLOID, "59850", "0.003", order_type={"limit": {"tif": "Alo"}})])
    assert edit.order_key == f"cloid:{BTC_ALO_CLOID}" and edit.batch_group == "alo"
    (result,) = client.submit([edit])
    assert result.outcome is Outcome.APPLIED
    assert result.order_id == str(_replacement(sandbox, 1000001))
    new = hyperliquid_orders(sandbox)[int(result.order_id or 0)]
    assert (new["cloid"], new["limitPx"], new["sz"]) == (BTC_ALO_CLOID, "59850", "0.003")
    assert sandbox.requests()[-1]["order_keys"] == [BTC_ALO_CLOID]


def test_new_cloid_is_given_to_the_new_order(sandbox: Sandbox, client: HyperliquidClient) -> None:
    fresh = "0x" + "ef" * 16
    (edit,) = _prepare(client, [_btc(1000004, "59610", "0.001", new_cloid=fresh)])
    (result,) = client.submit([edit])
    assert result.outcome is Outcome.APPLIED
    assert hyperliquid_orders(sandbox)[int(result.order_id or 0)]["cloid"] == fresh


def test_per_order_errors(sandbox: Sandbox, client: HyperliquidClient) -> None:
    keeps = _keeps_original(sandbox)
    edits = _as_given(
        client,
        [
            _btc(1000008, "59210", "0.001"),  # fine
            _btc(1000009, "60500", "0.002", order_type={"limit": {"tif": "Alo"}}),  # crosses the 60000 mark
            _btc(1000010, "59000", "0.0001"),  # $5.90 < $10
            _btc(999, "59000", "0.001"),  # no such order
        ],
    )
    # Alo and non-Alo edits travel in separate requests
    groups = {edit.batch_group for edit in edits}
    assert groups == {"alo", "other"}
    # A refused placement: the venue may already have cancelled the original (the default) or not.
    refused = Outcome.REJECTED if keeps else Outcome.CANCELLED
    results = client.submit([edit for edit in edits if edit.batch_group == "other"])
    assert _outcomes(results) == [Outcome.APPLIED, refused, Outcome.REJECTED]
    assert "minimum value of $10" in (results[1].message or "")
    assert "Cannot modify canceled or filled order" in (results[2].message or "")
    (alo,) = client.submit([edit for edit in edits if edit.batch_group == "alo"])
    assert alo.outcome is refused and "Post only order would have immediately matched" in (alo.message or "")
    orders = hyperliquid_orders(sandbox)
    left = "open" if keeps else "canceled"
    assert orders[1000009]["status"] == left and orders[1000010]["status"] == left
    assert orders[1000009]["replacedBy"] is None and orders[1000010]["replacedBy"] is None


def test_trigger_modify_needs_always_place(sandbox: Sandbox) -> None:
    trigger = {
        "oid": 1000065,
        "coin": "BTC",
        "is_buy": False,
        "price": "54000",
        "size": "0.002",
        "reduce_only": True,
        "order_type": {"trigger": {"isMarket": True, "triggerPx": "54500", "tpsl": "sl"}},
    }
    with _client(sandbox) as client:
        (result,) = client.submit(_prepare(client, [trigger]))
    assert result.outcome is Outcome.REJECTED and "always place" in (result.message or "")
    with _client(sandbox, always_place=True) as client:
        (edit,) = _prepare(client, [trigger])
        assert edit.batch_group == "other+always"
        (result,) = client.submit([edit])
    assert result.outcome is Outcome.APPLIED
    new = hyperliquid_orders(sandbox)[int(result.order_id or 0)]
    assert new["orderType"]["trigger"]["triggerPx"] == "54500" and new["replaces"] == 1000065
