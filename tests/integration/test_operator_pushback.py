"""When the exchange pushes back, the operator spends as few requests as it can: edits sent
back by one answer go out again together; when it refuses for good (bad credentials, wrong
network), the task fails without a retry. Counted from the sandbox's request log."""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_batchmod.testing.dags import sandbox_connections
from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.conftest import RunOperator
from tests.support.invariants import HYPERLIQUID_USER, check_bitget, check_hyperliquid
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders
from tests.support.soak import bitget_edit, hyperliquid_edit

VENUES = {"bitget_default": "bitget", "hyperliquid_default": "hyperliquid"}


def edits_for(conn_id: str, state: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` price edits of distinct resting orders of the default account."""
    if conn_id == "bitget_default":
        ladder = [o for id_, o in sorted(bitget_orders(state).items()) if id_.startswith("10")]
        return [bitget_edit(order, 3) for order in ladder[:count]]
    resting = [
        o
        for _, o in sorted(hyperliquid_orders(state).items())
        if o["user"] == HYPERLIQUID_USER
        and o["coin"] in ("ETH", "SOL")
        and o["status"] == "open"
        and o["orderType"] == {"limit": {"tif": "Gtc"}}  # one batch group: one request
    ]
    return [hyperliquid_edit(order, 2) for order in resting[:count]]


def modify_requests(sandbox: Sandbox, venue: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["venue"] == venue and r["endpoint"] == "modify"]


def run_with_faults(
    run_operator: RunOperator, sandbox: Sandbox, conn_id: str, count: int, fault: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    venue = VENUES[conn_id]
    before = sandbox.state()
    edits = edits_for(conn_id, before, count)
    assert len(edits) == count
    sandbox.set_faults([{"venue": venue, "endpoint": "modify", **fault}])
    run = run_operator(conn_id, edits, chunk_size=count)
    assert run.error is None, run.error
    assert run.report is not None
    check = check_bitget if venue == "bitget" else check_hyperliquid
    assert check(edits, run.report, before, sandbox.state(), task_failed=False) == []
    assert run.report["totals"]["modified"] == count
    return run.report, modify_requests(sandbox, venue)


@pytest.mark.parametrize("conn_id", list(VENUES))
def test_one_429_on_a_20_edit_request_costs_one_more_request(
    run_operator: RunOperator, sandbox_conns: Sandbox, conn_id: str
) -> None:
    report, sent = run_with_faults(
        run_operator, sandbox_conns, conn_id, 20, {"fault": "http_429", "times": 1}
    )
    assert [(r["status"], r["items"]) for r in sent] == [(429, 20), (200, 20)]
    assert (report["throttled_requests"], report["server_errors"]) == (1, 0)
    assert [e["attempts"] for e in report["edits"]] == [2] * 20


@pytest.mark.parametrize("conn_id", list(VENUES))
def test_two_server_errors_on_a_10_edit_chunk_cost_two_more_requests(
    run_operator: RunOperator, sandbox_conns: Sandbox, conn_id: str
) -> None:
    report, sent = run_with_faults(
        run_operator, sandbox_conns, conn_id, 10, {"fault": "http_500", "times": 2}
    )
    assert [(r["status"], r["items"]) for r in sent] == [(500, 10), (500, 10), (200, 10)]
    assert (report["throttled_requests"], report["server_errors"]) == (0, 2)


def test_a_refused_book_read_fails_the_task_for_good_before_any_request(
    run_operator: RunOperator, sandbox_conns: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = {**sandbox_connections(sandbox_conns.url)["bitget_default"], "password": "not-the-secret"}
    monkeypatch.setenv("AIRFLOW_CONN_BROKEN", json.dumps(conn))
    run = run_operator("broken", edits_for("bitget_default", sandbox_conns.state(), 6))
    assert isinstance(run.error, AirflowFailException)  # Airflow does not retry it
    assert "refused to show the book" in str(run.error) and "40009" in str(run.error)
    assert modify_requests(sandbox_conns, "bitget") == []
    reads = sandbox_conns.requests_where(venue="bitget", kind="unfilled-orders")
    assert [r["status"] for r in reads] == [400]  # refused once, not retried


@pytest.mark.parametrize(
    ("conn_id", "broken"),
    [("hyperliquid_default", {"extra": {"network": "testnet"}})],
    ids=["hyperliquid-wrong-network"],
)
def test_a_refusal_no_retry_can_cure_fails_the_task_for_good_after_one_request(
    run_operator: RunOperator,
    sandbox_conns: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    conn_id: str,
    broken: dict[str, Any],
) -> None:
    conn = {**sandbox_connections(sandbox_conns.url)[conn_id], **broken}
    monkeypatch.setenv("AIRFLOW_CONN_BROKEN", json.dumps(conn))
    venue = VENUES[conn_id]
    edits = edits_for(conn_id, sandbox_conns.state(), 6)
    run = run_operator("broken", edits, chunk_size=2, max_in_flight=1)
    assert isinstance(run.error, AirflowFailException)  # Airflow does not retry it
    assert len(modify_requests(sandbox_conns, venue)) == 1
    assert run.report is not None and run.report["stop_reason"]
    assert "refused for good" in str(run.error)
    assert [e["status"] for e in run.report["edits"]] == ["failed"] * 2 + ["not_sent"] * 4
