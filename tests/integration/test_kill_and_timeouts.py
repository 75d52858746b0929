"""Stopping a run: ``on_kill``, per-request timeouts and the task's ``execution_timeout``.

Whatever stops a run, no further chunk may start, every edit already sent must be accounted
for (or named as in flight, for the next try to reconcile), and the report must agree with
what the exchange really did.
"""

from __future__ import annotations

import re
import textwrap
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from airflow_batchmod.testing.dags import airflow_env, migrate_db, run_dag_test, sandbox_connections
from airflow_batchmod.testing.operator_run import OperatorRun, execute_operator
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox
from tests.integration.conftest import RunOperator
from tests.support.edits import sol_edits
from tests.support.faults import answered_late
from tests.support.sandbox_state import modify_requests
from tests.support.timing import wait_for


def btc_eth_edits(count: int) -> list[dict[str, Any]]:
    """Price edits for Bitget uid 1001's futures ladder: BTC 1001-1030, then ETH 1031-1050."""
    edits = []
    for n in range(count):
        order_id = 1001 + n
        if order_id <= 1030:
            edits.append(
                {
                    "orderId": str(order_id),
                    "symbol": "BTCUSDT",
                    "category": "USDT-FUTURES",
                    "price": str(59895 - 100 * n),
                }
            )
        else:
            price = Decimal("2985") - (order_id - 1031)
            edits.append(
                {
                    "orderId": str(order_id),
                    "symbol": "ETHUSDT",
                    "category": "USDT-FUTURES",
                    "price": str(price),
                }
            )
    return edits


def assert_report_matches_exchange(
    report: dict[str, Any], edits: list[dict[str, Any]], sandbox: Sandbox
) -> None:
    """What the report calls modified is modified once on the exchange; everything else is untouched."""
    state = sandbox.state()
    if "orderId" in edits[0]:
        orders = {o["orderId"]: o for o in state["bitget"]["orders"]}
        for entry, edit in zip(report["edits"], edits, strict=True):
            order = orders[edit["orderId"]]
            if entry["status"] == "modified":
                assert (order["modifications"], Decimal(order["price"])) == (1, Decimal(edit["price"])), entry
            else:
                assert order["modifications"] == 0, (entry, order)
        return
    hl = {o["oid"]: o for o in state["hyperliquid"]["orders"]}
    for entry, edit in zip(report["edits"], edits, strict=True):
        old = hl[edit["oid"]]
        if entry["status"] == "modified":
            new = hl[int(entry["order_id"])]
            assert old["replacedBy"] == new["oid"] and new["replacedBy"] is None, (entry, old, new)
            assert Decimal(new["limitPx"]) == Decimal(edit["price"]), entry
        else:
            assert old["replacedBy"] is None and old["status"] == "open", (entry, old)


# -- on_kill ---------------------------------------------------------------------------------------

KILL_LINE = re.compile(
    r"Killed: no further edits will be sent; (\d+) edits were sent"
    r"(?:, (\d+) still in flight \(the next try asks the exchange about them\): \[([\d, ]*)\])?"
)


def test_on_kill_stops_further_chunks_and_says_what_was_sent(
    sandbox_conns: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    from airflow.sdk.exceptions import AirflowException

    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

    edits = btc_eth_edits(50)
    sandbox_conns.configure(latency_ms=200)
    operator = BatchModifyOrdersOperator(
        task_id="apply_edits", conn_id="bitget_default", edits=edits, chunk_size=5, max_in_flight=1
    )
    outcome: list[OperatorRun] = []
    worker = threading.Thread(target=lambda: outcome.append(execute_operator(operator)), name="execute")
    worker.start()
    wait_for(lambda: len(modify_requests(sandbox_conns, "bitget")) >= 3, "three modify requests")
    operator.on_kill()
    seen_at_kill = len(modify_requests(sandbox_conns, "bitget"))
    worker.join(timeout=60)
    assert not worker.is_alive()

    sent = modify_requests(sandbox_conns, "bitget")
    # At most the chunk being handed to a sender as the kill landed may still go out.
    assert seen_at_kill <= len(sent) <= seen_at_kill + 1 < 10
    assert type(outcome[0].error) is AirflowException
    report = outcome[0].xcoms["return_value"]
    done = 5 * len(sent)
    assert [e["status"] for e in report["edits"]] == ["modified"] * done + ["not_sent"] * (50 - done)
    assert {e["message"] for e in report["edits"][done:]} == {"stopped before this edit was sent"}
    assert [r["order_keys"] for r in sent] == [
        [e["orderId"] for e in edits[i : i + 5]] for i in range(0, done, 5)
    ]
    assert_report_matches_exchange(report, edits, sandbox_conns)

    logged = capsys.readouterr().out
    line = KILL_LINE.search(logged)
    assert line is not None, logged[-3000:]
    edits_sent = int(line.group(1))
    flying = [int(i) for i in (line.group(3) or "").split(",") if i.strip()]
    # Edits are counted as sent when their chunk is handed to a sender; the chunk in flight
    # at the kill is the last one handed over. Nothing in flight: the line says nothing of it.
    assert edits_sent % 5 == 0 and done in (edits_sent, edits_sent + 5)
    assert line.group(2) is None or int(line.group(2)) == len(flying) > 0
    assert flying in ([], list(range(edits_sent - 5, edits_sent)))
    assert "0 still in flight" not in logged


def test_on_kill_before_anything_was_sent_says_so(
    sandbox_conns: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

    operator = BatchModifyOrdersOperator(
        task_id="apply_edits", conn_id="bitget_default", edits=btc_eth_edits(3)
    )
    operator.on_kill()
    assert "Killed before any edit was sent" in capsys.readouterr().out
    assert modify_requests(sandbox_conns, "bitget") == []


# -- timeouts on every HTTP call -----------------------------------------------------------------


@pytest.fixture
def request_timeouts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, dict[str, float | None]]]]:
    """Records the timeouts every request leaves the process with (httpx carries them per request)."""
    seen: list[tuple[str, dict[str, float | None]]] = []
    original = httpx.HTTPTransport.handle_request

    def spy(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        seen.append((f"{request.method} {request.url.path}", dict(request.extensions["timeout"])))
        return original(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", spy)
    yield seen


@pytest.mark.parametrize(
    ("request_timeout", "connect"), [(7.5, 5.0), (2.0, 2.0)], ids=["read-7.5s", "read-2s"]
)
def test_every_request_of_a_run_has_connect_and_read_timeouts(
    run_operator: RunOperator,
    request_timeouts: list[tuple[str, dict[str, float | None]]],
    request_timeout: float,
    connect: float,
) -> None:
    bitget = run_operator(
        "bitget_default",
        [*btc_eth_edits(2), {**btc_eth_edits(3)[2], "orderId": "9002"}],
        request_timeout=request_timeout,
    )
    hyperliquid = run_operator(
        "hyperliquid_default",
        [*sol_edits(2), {**sol_edits(1)[0], "oid": 99}],
        request_timeout=request_timeout,
    )
    assert bitget.report is not None and hyperliquid.report is not None
    paths = {path for path, _ in request_timeouts}
    # Reads, signed reads and modifications of both exchanges were all seen.
    assert {
        "GET /api/v3/market/instruments",
        "POST /api/v3/trade/batch-modify-order",
        "POST /info",
        "POST /exchange",
    } <= paths
    for path, timeout in request_timeouts:
        assert timeout["connect"] == connect, path
        assert timeout["read"] == request_timeout, path
        assert timeout["write"] is not None and timeout["pool"] is not None, path


def test_hooks_without_options_still_have_timeouts(
    sandbox_conns: Sandbox, request_timeouts: list[tuple[str, dict[str, float | None]]]
) -> None:
    from airflow_batchmod.exchanges.http import DEFAULT_TIMEOUT
    from airflow_batchmod.hooks.bitget import BitgetHook
    from airflow_batchmod.hooks.hyperliquid import HyperliquidHook

    assert BitgetHook("bitget_default").test_connection()[0]
    assert HyperliquidHook("hyperliquid_default").test_connection()[0]
    assert {path for path, _ in request_timeouts} == {
        "GET /api/v3/account/settings",
        "POST /exchange",
    }  # the signed noop
    expected = {
        "connect": DEFAULT_TIMEOUT.connect,
        "read": DEFAULT_TIMEOUT.read,
        "write": DEFAULT_TIMEOUT.write,
        "pool": DEFAULT_TIMEOUT.pool,
    }
    assert all(v is not None for v in expected.values())
    assert all(timeout == expected for _, timeout in request_timeouts)


@pytest.mark.parametrize(
    ("conn_id", "venue", "edits"),
    [("bitget_default", "bitget", btc_eth_edits(10)), ("hyperliquid_default", "hyperliquid", sol_edits(8))],
    ids=["bitget", "hyperliquid"],
)
def test_an_answer_slower_than_request_timeout_is_reconciled_not_resent(
    run_operator: RunOperator,
    sandbox_conns: Sandbox,
    capsys: pytest.CaptureFixture[str],
    conn_id: str,
    venue: str,
    edits: list[dict[str, Any]],
) -> None:
    """The exchange applies the first request and answers after the client gave up waiting."""
    sandbox_conns.set_faults([answered_late(venue, 2500)])
    run = run_operator(conn_id, edits, chunk_size=4, request_timeout=1.0)
    assert run.error is None, run.error
    assert run.report is not None
    assert [e["status"] for e in run.report["edits"]] == ["modified"] * len(edits)
    assert_report_matches_exchange(run.report, edits, sandbox_conns)
    # The timed-out request was asked about, not sent again.
    chunks = [len(edits[i : i + 4]) for i in range(0, len(edits), 4)]
    assert sorted(len(r["order_keys"]) for r in modify_requests(sandbox_conns, venue)) == sorted(chunks)
    assert sandbox_conns.fault_stats()["injected"] == {"latency": 1}
    assert "unknown outcome (no response after sending: ReadTimeout); reconciling" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("conn_id", "venue", "edits", "slow_queries"),
    [
        ("bitget_default", "bitget", btc_eth_edits(1), 1),
        # Preparing reads the open orders first; the next query is the reconciliation's.
        ("hyperliquid_default", "hyperliquid", sol_edits(1), 2),
    ],
    ids=["bitget", "hyperliquid"],
)
def test_a_request_applied_after_its_timeout_is_not_reported_as_rejected(
    run_operator: RunOperator,
    sandbox_conns: Sandbox,
    conn_id: str,
    venue: str,
    edits: list[dict[str, Any]],
    slow_queries: int,
) -> None:
    """The exchange acts on the request only after the client's read timeout (a queued request).

    Timeline: 0 s send; 1.0 s read timeout, reconciliation reads the order unchanged (its answer
    is slowed to 1.8 s); 1.5 s the exchange applies the first request; then the edit is resent
    (Bitget: refused as "same as the original value", Hyperliquid: the reconciliation's second
    lookup finds the order already canceled). The order IS modified: the report must say so, with
    the new oid on Hyperliquid, and nothing may be applied twice.
    """
    sandbox_conns.set_faults(
        [
            {"venue": venue, "endpoint": "modify", "fault": "latency", "latency_ms": 1500},
            {
                "venue": venue,
                "endpoint": "query",
                "fault": "latency",
                "latency_ms": 800,
                "after_apply": True,
                "times": slow_queries,
            },
        ]
    )
    run = run_operator(conn_id, edits, request_timeout=1.0)
    # Let the slow first request finish on the sandbox before judging the exchange's state.
    wait_for(lambda: all(r["status"] is not None for r in sandbox_conns.requests()), "the sandbox to answer")
    assert run.report is not None
    assert_report_matches_exchange(run.report, edits, sandbox_conns)
    assert [e["status"] for e in run.report["edits"]] == ["modified"]
    assert run.error is None


# -- execution_timeout through `airflow dags test` --------------------------------------------------

TIMEOUT_DAG = textwrap.dedent(
    """
    from __future__ import annotations

    from datetime import datetime, timedelta

    from airflow.sdk import DAG

    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

    EDITS = [
        {"orderId": str(1001 + n), "symbol": "BTCUSDT", "category": "USDT-FUTURES", "price": str(59895 - 100 * n)}
        for n in range(30)
    ]
    START = datetime(2024, 1, 1)

    with DAG(dag_id="batchmod_execution_timeout", schedule=None, start_date=START, catchup=False):
        BatchModifyOrdersOperator(
            task_id="apply_edits",
            conn_id="bitget_default",
            edits=EDITS,
            chunk_size=5,
            max_in_flight=1,
            execution_timeout=timedelta(seconds=3.5),
            retries=0,
        )
    """
)

IN_FLIGHT_LINE = re.compile(
    r"Interrupted with (\d+) edits in flight "
    r"\(outcome unknown until the next try reconciles them\): \[([\d, ]*)\]"
)


def test_execution_timeout_stops_the_task_and_names_the_edits_in_flight(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """At 1 s per call, reading instruments and six requests take seven seconds; the task has 3.5.

    Calls start near whole seconds, so the timeout lands in the middle of one.
    """
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "execution_timeout_dag.py").write_text(TIMEOUT_DAG)
    env = airflow_env(tmp_path / "home", dags, sandbox_connections(sandbox.url))
    migrate_db(env)
    sandbox.reset(DEFAULT_SEED)
    sandbox.clear_requests()
    sandbox.configure(latency_ms=1000)
    try:
        result = run_dag_test("batchmod_execution_timeout", env, timeout=300)
        sent = modify_requests(sandbox, "bitget")
    finally:
        sandbox.reset(DEFAULT_SEED)
    output = result.output
    assert result.state == "failed", output[-5000:]
    assert result.task_states == {("apply_edits", -1): "failed"}
    assert "AirflowTaskTimeout" in output
    # Airflow calls on_kill when the timeout fires; it confirms that no further chunk goes out.
    assert "Killed: no further edits will be sent" in output
    line = IN_FLIGHT_LINE.search(output)
    assert line is not None, output[-5000:]
    flying = [int(i) for i in line.group(2).split(",")]
    modified = sorted(
        int(i)
        for i in re.findall(r"edit #(\d+) orderId=\d+ BTCUSDT (?:buy|sell) price=\d+: modified", output)
    )
    # The chunk in flight is the one after every chunk that settled; nothing after it was started.
    assert int(line.group(1)) == len(flying) == 5
    assert modified == list(range(flying[0]))
    assert flying == list(range(flying[0], flying[0] + 5))
    assert f"edit #{flying[0] + 5} " not in output
    assert len(sent) <= len(modified) // 5 + 1 < 6
