"""BitgetClient on the sandbox: injected faults and lost answers, then reconcile from the venue's book."""

from __future__ import annotations

import pytest

from airflow_batchmod.exchanges.base import Outcome, OutcomeUnknownError, TransientRequestError
from airflow_batchmod.exchanges.bitget.client import BitgetClient
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.bitget_on_sandbox import as_given, prepared
from tests.support.sandbox_state import bitget_orders


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
