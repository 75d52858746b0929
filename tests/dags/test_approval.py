"""The approval example: a dry-run plan, a person's answer through Airflow's REST API, then apply.

The DAG runs in `airflow dags test` in the background and waits in `awaiting_input`; the test
reads the approval's request and answers it with the public HITL endpoint, as a reviewer's tool
would. What reached the exchange is judged from the sandbox's request log and order state.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from airflow_batchmod.testing.dags import BackgroundDagRun, answer_approval, wait_for_approval
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox

DAG_ID = "batchmod_rebalance_with_approval"


def numbers_in(text: str) -> set[Decimal]:
    return {Decimal(number) for number in re.findall(r"\d+(?:\.\d+)?", text)}


def modify_requests(sandbox: Sandbox) -> list[dict[str, Any]]:
    return sandbox.requests_where(venue="bitget", endpoint="modify")


@pytest.mark.parametrize("approve", [True, False], ids=["approved", "rejected"])
def test_rebalance_waits_for_approval_through_the_api(
    airflow_environment: dict[str, str], sandbox: Sandbox, approve: bool
) -> None:
    sandbox.reset(DEFAULT_SEED)
    sandbox.clear_faults()
    sandbox.clear_requests()
    before = {o["orderId"]: dict(o) for o in sandbox.state()["bitget"]["orders"]}
    # The test's reviewer is Airflow's anonymous admin (see answer_approval): the only approver.
    env = {**airflow_environment, "BATCHMOD_APPROVERS": "Anonymous"}
    with BackgroundDagRun(DAG_ID, env, conf={"conn_id": "bitget_default"}) as run:
        waiting = wait_for_approval(DAG_ID, "approve", airflow_environment, since=run.started_at, timeout=180)
        # The plan read the book and sent nothing: no modify request while the approval waits.
        assert sandbox.requests(), "the dry run should have read the book"
        assert modify_requests(sandbox) == []
        body = waiting["request"]["body"]
        assert "30 would_modify" in body
        assert f"/batchmod/rebalance/{DAG_ID}/" in body and "/plan?map_index=-1" in body
        assert [user["id"] for user in waiting["request"]["assigned_users"]] == ["Anonymous"]
        answered = answer_approval(
            DAG_ID, "approve", airflow_environment, approve=approve, run_id=waiting["run_id"]
        )
        assert answered["response"]["chosen_options"] == ["Approve" if approve else "Reject"]
        result = run.wait(timeout=300)
    assert result.returncode == 0, result.output[-5000:]
    assert result.run_id == waiting["run_id"] and result.state == "success", result.output[-5000:]
    plan = result.report("plan")
    assert plan["dry_run"] is True and plan["totals"]["would_modify"] == 30
    # The reviewer saw one row per planned change: the order, the price it gets, the status.
    rows = {
        row.split(" | ")[0].strip("| "): row for row in body.splitlines() if row.startswith("| clientOid:")
    }
    edits = result.report("compute_edits")
    assert set(rows) == {f"clientOid:{edit['clientOid']}" for edit in edits}
    for edit in edits:
        row = rows[f"clientOid:{edit['clientOid']}"]
        assert Decimal(edit["price"]) in numbers_in(row) and row.endswith("| would_modify |")
    after = {o["orderId"]: o for o in sandbox.state()["bitget"]["orders"]}
    if not approve:
        assert result.task_states[("apply", -1)] == "skipped"
        assert modify_requests(sandbox) == []
        assert after == before
        return
    assert result.task_states[("apply", -1)] == "success"
    assert len(modify_requests(sandbox)) == 2  # 30 edits in requests of at most 20
    report = result.report("apply")
    assert report["totals"]["modified"] == 30
    by_client_oid = {o["clientOid"]: o for o in after.values() if o["uid"] == "1001"}
    for edit in edits:
        order = by_client_oid[edit["clientOid"]]
        assert order["modifications"] == 1
        assert Decimal(order["price"]) == Decimal(edit["price"])
        assert Decimal(order["qty"]) == Decimal(edit["qty"])
