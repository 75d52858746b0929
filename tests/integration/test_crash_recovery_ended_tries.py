"""Crash-safe retries without a kill: the next try after one that ended, and a run with no state store."""

from __future__ import annotations

import pytest

from airflow_batchmod.run.journal import Journal, MemoryStore, fingerprint
from airflow_batchmod.testing.operator_run import run_operator
from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.invariants import check_bitget, check_hyperliquid
from tests.support.recovery import again, bitget_ladder, hyperliquid_ladder, keys_of, modify_log, resumed
from tests.support.soak import CONN_IDS, execute_operator

# -- no state store at all -------------------------------------------------------------------------


@pytest.mark.parametrize("exchange", ["bitget", "hyperliquid"])
def test_without_a_task_state_store_the_operator_still_completes(
    sandbox_conns: Sandbox, exchange: str
) -> None:
    before = sandbox_conns.state()
    if exchange == "bitget":
        edits = bitget_ladder(before, 1001, 1012)
    else:
        edits = hyperliquid_ladder(before, list(range(1000037, 1000049)))
    edits.append(again(edits[0], edits[0]["price"][:-1] + "1" if exchange == "bitget" else "147.5"))
    run = run_operator(CONN_IDS[exchange], edits, store=None, chunk_size=5)  # no task_state_store
    assert run.error is None and run.report is not None
    report = run.report
    check = check_bitget if exchange == "bitget" else check_hyperliquid
    assert check(edits, report, before, sandbox_conns.state(), task_failed=False) == []
    assert report["totals"]["modified"] == 13
    assert not resumed(report)


# -- tries that ended, and what the next try makes of them -----------------------------------------


def test_a_retry_after_a_complete_try_sends_nothing(sandbox_conns: Sandbox) -> None:
    before = sandbox_conns.state()
    edits = hyperliquid_ladder(before, [1000037, 1000038, 1000045])
    edits.append(again(edits[0], "147.5"))
    store = MemoryStore()
    first, error = execute_operator("hyperliquid_default", edits, store, chunk_size=2)
    assert error is None and first is not None
    sandbox_conns.clear_requests()

    second, error = execute_operator("hyperliquid_default", edits, store, chunk_size=2)
    assert error is None and second is not None
    assert modify_log(sandbox_conns) == []
    assert [(e["order_id"], e["resumed"]) for e in second["edits"]] == [
        (e["order_id"], True) for e in first["edits"]
    ]
    assert check_hyperliquid(edits, second, before, sandbox_conns.state(), task_failed=False) == []


def test_an_edit_found_applied_by_the_next_try_counts_its_send(sandbox_conns: Sandbox) -> None:
    before = sandbox_conns.state()
    edits = bitget_ladder(before, 1001, 1003)
    store = MemoryStore()
    # What a try killed just after sending edits 0 and 1 leaves: both applied, journalled as sent.
    applied, error = execute_operator("bitget_default", edits[:2])
    assert error is None and applied is not None
    Journal(store, fingerprint("bitget_default", edits)).open_entry([0, 1])
    sandbox_conns.clear_requests()

    report, error = execute_operator("bitget_default", edits, store)
    assert error is None and report is not None
    assert keys_of(modify_log(sandbox_conns)) == ["1003"]
    assert check_bitget(edits, report, before, sandbox_conns.state(), task_failed=False) == []
    assert [(e["status"], e["attempts"], e["resumed"]) for e in report["edits"]] == [
        ("modified", 1, False)
    ] * 3


def test_a_retry_sends_the_edits_an_earlier_try_gave_up_on(sandbox_conns: Sandbox) -> None:
    before = sandbox_conns.state()
    edits = bitget_ladder(before, 1001, 1004)
    store = MemoryStore()
    sandbox_conns.set_faults([{"venue": "bitget", "fault": "http_500", "times": None}])
    report, error = execute_operator("bitget_default", edits, store, max_attempts=2)
    assert error is not None and report is not None
    # A 500 without a body does not prove "not applied": the last one may still land, so the
    # edits out of attempts are unknown (not failed), and stay in doubt for the next try.
    assert [e["status"] for e in report["edits"]] == ["unknown"] * 4
    assert all(r["status"] == 500 for r in modify_log(sandbox_conns))
    sandbox_conns.clear_faults()

    # The exchange recovered; Airflow retries the task with the same state store.
    report, error = execute_operator("bitget_default", edits, store, max_attempts=2)
    assert error is None, error
    assert report is not None
    assert [(e["status"], e["resumed"]) for e in report["edits"]] == [("modified", False)] * 4
    assert check_bitget(edits, report, before, sandbox_conns.state(), task_failed=False) == []


def test_a_retry_reconciles_the_edits_an_earlier_try_left_unknown(sandbox_conns: Sandbox) -> None:
    before = sandbox_conns.state()
    edits = bitget_ladder(before, 1001, 1001)
    store = MemoryStore()
    # What a try leaves that sent the edit, lost the answer and could not look it up: applied, and
    # journalled as sent but never settled. (Its own book reads would fail, so it is built by hand.)
    applied, error = execute_operator("bitget_default", edits)
    assert error is None and applied is not None
    Journal(store, fingerprint("bitget_default", edits)).open_entry([0])
    sandbox_conns.clear_requests()

    report, error = execute_operator("bitget_default", edits, store)
    assert error is None, error
    assert report is not None
    assert check_bitget(edits, report, before, sandbox_conns.state(), task_failed=False) == []
    assert modify_log(sandbox_conns) == []  # found applied, not sent again
    entry = report["edits"][0]
    assert (entry["status"], entry["reconciled"], entry["resumed"]) == ("modified", True, False)
    assert entry["message"]  # what the exchange showed


def test_restart_ignores_a_complete_earlier_try_and_plans_from_the_book(sandbox_conns: Sandbox) -> None:
    before = sandbox_conns.state()
    edits = bitget_ladder(before, 1001, 1003)
    store = MemoryStore()
    first, error = execute_operator("bitget_default", edits, store)
    assert error is None and first is not None
    sandbox_conns.clear_requests()

    # A cleared task keeps its state store (Airflow 3.3): resume would report the journal; restart
    # ignores it and plans from the book, which already shows every edit.
    second, _ = execute_operator("bitget_default", edits, store, checkpoint="restart")
    assert modify_log(sandbox_conns) == []
    assert second is not None and not resumed(second)
    assert [e["status"] for e in second["edits"]] == ["unchanged"] * 3
    sandbox_conns.clear_requests()
    third, _ = execute_operator("bitget_default", edits, store)
    assert third is not None
    assert modify_log(sandbox_conns) == []
    assert [e["status"] for e in third["edits"]] == ["unchanged"] * 3
