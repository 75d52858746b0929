"""HyperliquidClient on the sandbox: injected faults, then reconcile; a later try; retarget, then modify."""

from __future__ import annotations

import pytest

from airflow_batchmod.exchanges.base import Outcome, OutcomeUnknownError, TransientRequestError
from airflow_batchmod.exchanges.hyperliquid.client import HyperliquidClient
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.hyperliquid_on_sandbox import _btc, _client, _outcomes, _prepare, _replacement
from tests.support.sandbox_state import hyperliquid_orders


def test_reconcile_after_drop_after_is_applied(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(client, [_btc(1000012, "60210", "0.001", is_buy=False), _btc(1000004, "59620", "0.001")])
    sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "drop_after"}])
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    results = client.reconcile(edits)
    assert _outcomes(results) == [Outcome.APPLIED, Outcome.APPLIED]
    assert [r.order_id for r in results] == [
        str(_replacement(sandbox, 1000012)),
        str(_replacement(sandbox, 1000004)),
    ]


def test_reconcile_after_drop_before_is_retry(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(client, [_btc(1000013, "60310", "0.002", is_buy=False), _btc(1000007, "59310", "0.002")])
    sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "drop_before"}])
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    assert _outcomes(client.reconcile(edits)) == [Outcome.RETRY, Outcome.RETRY]
    assert _replacement(sandbox, 1000013) is None
    # and sending again now works
    assert _outcomes(client.submit(edits)) == [Outcome.APPLIED, Outcome.APPLIED]


def test_http_500_after_apply_then_reconcile(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(client, [_btc(1000016, "60610", "0.001", is_buy=False)])
    sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "http_500_after"}])
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    (result,) = client.reconcile(edits)
    assert (result.outcome, result.order_id) == (Outcome.APPLIED, str(_replacement(sandbox, 1000016)))


def test_http_500_before_apply_then_reconcile_retry(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(client, [_btc(1000018, "60810", "0.001", is_buy=False)])
    sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "http_500"}])
    with pytest.raises(OutcomeUnknownError):
        client.submit(edits)
    assert _outcomes(client.reconcile(edits)) == [Outcome.RETRY]


def test_http_429_is_transient_and_nothing_applied(sandbox: Sandbox, client: HyperliquidClient) -> None:
    edits = _prepare(client, [_btc(1000002, "59820", "0.001")])
    sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "http_429"}])
    with pytest.raises(TransientRequestError) as caught:
        client.submit(edits)
    assert caught.value.code == "429"
    assert _replacement(sandbox, 1000002) is None
    assert _outcomes(client.submit(edits)) == [Outcome.APPLIED]


def test_a_later_try_finds_what_an_earlier_try_did(sandbox: Sandbox) -> None:
    """A new client (a new task try) prepares the same input and reconciles the in-doubt edits."""
    raw = [_btc(1000003, "59720", "0.002"), _btc(1000004, "59630", "0.001"), _btc(1000005, "59520", "0.002")]
    with _client(sandbox) as first:
        edits = _prepare(first, raw)
        sandbox.set_faults([{"venue": "hyperliquid", "endpoint": "modify", "fault": "drop_after"}])
        with pytest.raises(OutcomeUnknownError):
            first.submit(edits[:2])
    with _client(sandbox) as second:
        again = second.prepare(raw)
        # The replacements carry the cloids the first try sent: the book shows those edits done.
        assert [(skip.index, skip.status.value, skip.order_id) for skip in again.skipped] == [
            (0, "unchanged", str(_replacement(sandbox, 1000003))),
            (1, "unchanged", str(_replacement(sandbox, 1000004))),
        ]
        (rest,) = again.edits
        assert (rest.index, rest.payload.cloid) == (2, edits[2].payload.cloid)
        assert _outcomes(second.reconcile([rest])) == [Outcome.RETRY]


def test_retarget_then_modify_again(sandbox: Sandbox, client: HyperliquidClient) -> None:
    first, second = _prepare(client, [_btc(1000006, "59420", "0.001"), _btc(1000006, "59430", "0.001")])
    (applied,) = client.submit([first])
    moved = client.retarget(second, applied.order_id or "")
    (result,) = client.submit([moved])
    assert result.outcome is Outcome.APPLIED
    orders = hyperliquid_orders(sandbox)
    assert orders[int(result.order_id or 0)]["replaces"] == int(applied.order_id or 0)
    assert orders[int(result.order_id or 0)]["limitPx"] == "59430"
    # reconciling the retargeted edit finds its own replacement, not the first one
    (again,) = client.reconcile([moved])
    assert (again.outcome, again.order_id) == (Outcome.APPLIED, result.order_id)
