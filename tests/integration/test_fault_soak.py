"""Fault soak: seeded random faults and edits, with the invariant checked after every round.

The rounds come from :mod:`tests.support.soak` (``python -m tests.support.soak_cli`` runs the same
rounds, many more of them); the invariant is :mod:`tests.support.invariants`. The seed is fixed, so a failing round
can be replayed; which requests a probabilistic fault hits still depends on timing, which is
why the assertions are about the invariant, never about exact counts.

The late-apply tests below are the one fault the soak keeps out: a request that waits inside
the exchange until after the client's read timeout, and is applied then.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest

from airflow_batchmod.testing.dags import SANDBOX_ACCOUNTS
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.invariants import check_bitget, check_hyperliquid
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders
from tests.support.soak import (
    EXCHANGES,
    RoundOutcome,
    bitget_edit,
    execute_operator,
    hyperliquid_edit,
    soak_round,
    wait_until_answered,
)

SEED = 20261121
ROUNDS = 12


def describe(number: int, outcome: RoundOutcome) -> str:
    plan = outcome.plan
    return (
        f"round {number}: {len(plan.edits)} edits {dict(outcome.statuses)}, operator {plan.operator}, "
        f"faults {plan.faults} (seed {plan.fault_seed}) fired {dict(outcome.injected)}, error {outcome.error}\n"
        + "\n".join(f"    {v}" for v in outcome.violations)
    )


#: Each venue under every way the sandbox plays what the venue leaves open (docs/venue-behaviour.md).
MODES: list[tuple[str, dict[str, Any]]] = [(exchange, {}) for exchange in EXCHANGES] + [
    ("hyperliquid", {"hyperliquid_failed_modify": "keeps_original"}),
    ("hyperliquid", {"hyperliquid_shared_cloid_status": "oldest"}),
    ("bitget", {"bitget_modify_new_order_id": True}),
    ("bitget", {"bitget_batch_errors": "envelope"}),
]


@pytest.mark.parametrize(
    ("exchange", "mode"), MODES, ids=lambda v: "-".join(map(str, v.values())) if isinstance(v, dict) else v
)
def test_every_round_keeps_the_invariant(sandbox_conns: Sandbox, exchange: str, mode: dict[str, Any]) -> None:
    rng = random.Random(f"{SEED}-{exchange}")
    outcomes = [soak_round(sandbox_conns, rng, exchange, mode=mode) for _ in range(ROUNDS)]
    broken = [describe(n, o) for n, o in enumerate(outcomes) if o.violations]
    assert broken == [], "\n".join(broken)
    # The soak really soaked: faults fired in most rounds, and the edits met both outcomes.
    injected = sum((o.injected for o in outcomes), Counter[str]())
    assert sum(1 for o in outcomes if o.injected) >= ROUNDS // 2, injected
    assert len({label.split(":")[1] for label in injected}) >= 3, injected
    statuses = sum((o.statuses for o in outcomes), Counter[str]())
    # Edits of orders that cannot take them are caught by the plan (not_open, invalid) or, when
    # the book moves after planning, refused by the venue (rejected).
    refused = statuses["not_open"] + statuses["invalid"] + statuses["rejected"] + statuses["cancelled"]
    assert statuses["modified"] > 100 and refused > 0, statuses
    assert any(o.error is None for o in outcomes) and any(o.error for o in outcomes)


# -- late apply: the exchange acts after the client gave up -----------------------------------------


def late_request(exchange: str) -> list[dict[str, Any]]:
    """The first modify request sits in the sandbox for 2.2 s, past the 1 s read timeout, then applies."""
    return [{"venue": exchange, "fault": "latency", "latency_ms": 2200, "after_apply": False}]


def test_bitget_request_applied_after_the_read_timeout_is_not_applied_twice(sandbox_conns: Sandbox) -> None:
    # Bitget has no request expiry: the engine waits out the connection's late_apply_seconds (3 s
    # on the seed's connections) and looks again before resending, so the late request lands first.
    before = sandbox_conns.state()
    orders = bitget_orders(before)
    edits = [bitget_edit(orders["1001"], 5), bitget_edit(orders["1002"], 5), bitget_edit(orders["1001"], 9)]
    sandbox_conns.set_faults(late_request("bitget"))
    report, error = execute_operator("bitget_default", edits, request_timeout=1.0, max_in_flight=1)
    wait_until_answered(sandbox_conns)
    after = sandbox_conns.state()
    assert check_bitget(edits, report, before, after, task_failed=error is not None) == []


@pytest.fixture
def hyperliquid_conns(sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """Account A with ``always_place`` and/or an action expiry within the 1 s read timeout."""
    account = {**SANDBOX_ACCOUNTS["hyperliquid_default"], "host": sandbox_conns.url}
    extras: dict[str, dict[str, Any]] = {
        "hl_expiring": {"expires_after_ms": 1000},
        "hl_always_place": {"always_place": True},
        "hl_always_place_expiring": {"always_place": True, "expires_after_ms": 1000},
    }
    for conn_id, extra in extras.items():
        conn = {**account, "extra": {"network": "mainnet", **extra}}
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return sandbox_conns


def run_late_hyperliquid(sandbox: Sandbox, conn_id: str, *, by_cloid: bool) -> list[str]:
    """SOL 1000037 and 1000041 (both carry cloids), named by oid or by cloid; the request is late."""
    before = sandbox.state()
    orders = hyperliquid_orders(before)
    edits = [hyperliquid_edit(orders[oid], 1, by_cloid=by_cloid) for oid in (1000037, 1000041)]
    sandbox.set_faults(late_request("hyperliquid"))
    report, error = execute_operator(conn_id, edits, request_timeout=1.0, max_in_flight=1)
    wait_until_answered(sandbox)
    return check_hyperliquid(edits, report, before, sandbox.state(), task_failed=error is not None)


@pytest.mark.parametrize(
    ("conn_id", "by_cloid"),
    [("hyperliquid_default", True), ("hl_always_place", False)],
    ids=["named_by_cloid", "always_place"],
)
def test_hyperliquid_late_request_is_not_applied_twice(
    hyperliquid_conns: Sandbox, conn_id: str, by_cloid: bool
) -> None:
    assert run_late_hyperliquid(hyperliquid_conns, conn_id, by_cloid=by_cloid) == []


@pytest.mark.parametrize(
    ("conn_id", "by_cloid"),
    [("hl_expiring", True), ("hl_always_place_expiring", False)],
    ids=["named_by_cloid", "always_place"],
)
def test_hyperliquid_action_expiry_refuses_the_late_request(
    hyperliquid_conns: Sandbox, conn_id: str, by_cloid: bool
) -> None:
    # expiresAfter within the read timeout: once the client gives up, the exchange will too.
    assert run_late_hyperliquid(hyperliquid_conns, conn_id, by_cloid=by_cloid) == []
