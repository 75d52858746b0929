"""Hyperliquid's per-address request budget, end to end: the operator against the sandbox,
judged from the sandbox's request log and book."""

from __future__ import annotations

import threading

from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.conftest import RunOperator
from tests.integration.test_operator_pushback import edits_for, modify_requests
from tests.support.sandbox_state import hyperliquid_orders
from tests.support.timing import wait_for

CONN_ID = "hyperliquid_default"


def test_a_batch_the_address_cannot_afford_sends_nothing_and_gives_the_numbers(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = edits_for(CONN_ID, sandbox_conns.state(), 12)
    sandbox_conns.configure(hyperliquid_address_budget=5)
    run = run_operator(CONN_ID, edits, chunk_size=4)
    assert isinstance(run.error, AirflowFailException), run.error  # a task retry would not help
    assert "needs 12 requests but has 5 left" in str(run.error)
    assert "USDC" in str(run.error)  # what frees budget
    assert modify_requests(sandbox_conns, "hyperliquid") == []
    assert run.report is not None and run.report["totals"]["edits"] == 12


def test_a_budget_spent_by_another_client_mid_run_stops_sending_and_accounts_for_every_edit(
    run_operator: RunOperator, sandbox_conns: Sandbox
) -> None:
    edits = edits_for(CONN_ID, sandbox_conns.state(), 16)
    assert len(edits) == 16  # four requests of four, if nothing stopped them
    before = hyperliquid_orders(sandbox_conns)
    # Slow answers keep the run going while "another client" spends the rest of the budget
    # as soon as the first request has been applied.
    sandbox_conns.configure(latency_ms=300)

    def first_request_applied() -> bool:
        after = hyperliquid_orders(sandbox_conns)
        return any(after[edit["oid"]]["status"] == "canceled" for edit in edits)

    def spend_the_budget() -> None:
        wait_for(first_request_applied, "the first request to be applied")
        sandbox_conns.configure(hyperliquid_address_budget=0)

    spender = threading.Thread(target=spend_the_budget, daemon=True)
    spender.start()
    run = run_operator(CONN_ID, edits, chunk_size=4, max_in_flight=1, confirm=False)
    spender.join(timeout=30)
    sandbox_conns.configure(latency_ms=0)

    assert isinstance(run.error, AirflowException), run.error
    report = run.report
    assert report is not None and len(report["edits"]) == 16
    statuses = [entry["status"] for entry in report["edits"]]
    sent = modify_requests(sandbox_conns, "hyperliquid")
    # The run stopped at the first refusal: no hammering at one request per 10 s.
    assert 2 <= len(sent) <= 3, sent
    assert statuses.count("modified") >= 4 and "modified" not in statuses[statuses.index("failed") :]
    assert set(statuses) == {"modified", "failed"}, statuses
    failed = [e for e in report["edits"] if e["status"] == "failed"]
    assert all("Too many cumulative requests" in (e["message"] or "") for e in failed)
    # The book agrees: exactly the modified edits replaced their orders.
    after = hyperliquid_orders(sandbox_conns)
    replaced = {oid for oid, order in before.items() if after[oid]["status"] == "canceled"}
    modified = {
        edit["oid"] for edit, e in zip(edits, report["edits"], strict=True) if e["status"] == "modified"
    }
    assert replaced == modified
