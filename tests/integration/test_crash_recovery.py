"""Crash-safe task retries: a try SIGKILLed mid-run, then the next try with the same state store.

Each try is a real process (forked by ``tests/integration/operator_worker.py``) running
``BatchModifyOrdersOperator.execute()`` with a JSON-file ``task_state_store``, like two tries of
one task instance on a worker that died. The kill is timed by the sandbox's request log, never
by sleeping. The next try only starts once every request of the killed try has been answered
by the sandbox: a request still queued at the exchange when the next try reconciles is the
late-apply problem covered in test_fault_soak.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_batchmod.run.journal import Journal, Recovered, fingerprint
from airflow_batchmod.testing.dags import sandbox_connections
from airflow_batchmod.testing.sandbox import Sandbox
from tests.integration.operator_worker import JsonFileStore
from tests.support.invariants import check_bitget, check_hyperliquid, replacement_chain
from tests.support.recovery import again, bitget_ladder, hyperliquid_ladder, keys_of, modify_log, resumed
from tests.support.sandbox_state import bitget_orders, hyperliquid_orders
from tests.support.soak import CONN_IDS
from tests.support.timing import wait_for

ROOT = Path(__file__).resolve().parents[2]


# -- task tries as processes ----------------------------------------------------------------------


@dataclass
class Try:
    """One task try, running in a process of its own."""

    pid: int
    report_path: Path
    log_path: Path

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        wait_for(lambda: not self.alive(), f"try {self.pid} to die")

    def finish(self) -> dict[str, Any]:
        wait_for(lambda: self.report_path.exists() or not self.alive(), "the try to end", timeout=120)
        assert self.report_path.exists(), f"the try wrote no report:\n{self.log()}"
        outcome = json.loads(self.report_path.read_text(encoding="utf-8"))
        assert isinstance(outcome, dict)
        return outcome

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]


class TryServer:
    """``operator_worker``: imports once, forks one process per try."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.count = 0

    def start(
        self, workdir: Path, conn_id: str, edits: list[dict[str, Any]], store: Path | None, **operator: Any
    ) -> Try:
        self.count += 1
        name = workdir / f"try{self.count}"
        report, log = Path(f"{name}.report.json"), Path(f"{name}.log")
        job = {
            "conn_id": conn_id,
            "edits": edits,
            "operator": operator,
            "store": None if store is None else str(store),
            "report": str(report),
            "log": str(log),
        }
        Path(f"{name}.job.json").write_text(json.dumps(job), encoding="utf-8")
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{name}.job.json\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        assert answer.strip().isdigit(), f"operator_worker is gone (exit code {self.process.poll()})"
        return Try(int(answer), report, log)


@pytest.fixture(scope="module")
def tries(sandbox: Sandbox) -> Iterator[TryServer]:
    env = dict(os.environ)
    for conn_id, conn in sandbox_connections(sandbox.url).items():
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(conn)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.operator_worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=env,
        text=True,
    )
    try:
        yield TryServer(process)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)


# -- reading what happened ------------------------------------------------------------------------


def all_answered(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The modify log once the sandbox has finished every request it received (else empty)."""
    entries = modify_log(sandbox)
    return entries if all(e["status"] is not None for e in entries) else []


def journal(store: Path, conn_id: str, edits: list[dict[str, Any]]) -> Recovered:
    """What the killed try left in the state store, read the way the next try reads it."""
    return Journal(JsonFileStore(store), fingerprint(conn_id, edits)).recover()


# -- a try killed between chunks ------------------------------------------------------------------


def kill_then_resume(
    sandbox: Sandbox,
    tries: TryServer,
    tmp_path: Path,
    conn_id: str,
    edits: list[dict[str, Any]],
    *,
    kill_after_requests: int,
    latency_ms: int,
    **options: Any,
) -> tuple[list[dict[str, Any]], Recovered, dict[str, Any]]:
    """Kill a try once ``kill_after_requests`` modify requests arrived, then run the next try.

    Returns the killed try's request log, its journal, and the next try's outcome.
    """
    store = tmp_path / "state.json"
    sandbox.configure(latency_ms=latency_ms)
    first = tries.start(tmp_path, conn_id, edits, store, **options)
    wait_for(
        lambda: len(modify_log(sandbox)) >= kill_after_requests, f"{kill_after_requests} modify requests"
    )
    first.kill()
    first_log = wait_for(lambda: all_answered(sandbox), "the killed try's requests to be answered")
    assert not first.report_path.exists(), "the first try finished before it was killed"
    progress = journal(store, conn_id, edits)
    sandbox.configure(latency_ms=0)
    sandbox.clear_requests()
    outcome = tries.start(tmp_path, conn_id, edits, store, **options).finish()
    return first_log, progress, outcome


def test_bitget_try_killed_mid_run_resumes_without_resending(
    sandbox_conns: Sandbox, tries: TryServer, tmp_path: Path
) -> None:
    sandbox = sandbox_conns
    before = sandbox.state()
    edits = bitget_ladder(before, 1001, 1060)  # BTC and ETH futures, BTC spot: 60 orders
    # Request 6 goes out only after chunks 1-4 settled and were journalled (2 in flight at most).
    first_log, progress, outcome = kill_then_resume(
        sandbox,
        tries,
        tmp_path,
        "bitget_default",
        edits,
        kill_after_requests=6,
        latency_ms=200,
        chunk_size=5,
        max_in_flight=2,
    )
    report = outcome["report"]
    assert outcome["error"] is None, outcome["error"]
    after = sandbox.state()
    assert check_bitget(edits, report, before, after, task_failed=False) == []
    assert report["totals"]["modified"] == 60
    assert all(o["modifications"] == 1 for id_, o in bitget_orders(after).items() if id_.startswith("10"))
    # Settled by the killed try: reported as resumed and never sent again.
    assert len(progress.settled) >= 20
    assert resumed(report) == set(progress.settled)
    applied_by_first = set(keys_of(first_log, applied_only=True))
    second_keys = keys_of(modify_log(sandbox))
    assert applied_by_first.isdisjoint(second_keys)
    assert sorted(applied_by_first | set(second_keys)) == [str(i) for i in range(1001, 1061)]
    # A request the venue throttled (429) was not applied and may go again; an applied one never.
    applied_second = keys_of(modify_log(sandbox), applied_only=True)
    assert len(applied_second) == len(set(applied_second))


def test_hyperliquid_try_killed_mid_run_resumes_on_the_replacement_oids(
    sandbox_conns: Sandbox, tries: TryServer, tmp_path: Path
) -> None:
    sandbox = sandbox_conns
    before = sandbox.state()
    oids = [*range(1000037, 1000053), *range(1000021, 1000037), *range(1000002, 1000010)]
    edits = hyperliquid_ladder(before, oids)
    # SOL 1000037 twice: its first edit goes in the first request, its second in the last.
    edits.append(again(edits[0], "147.5"))
    first_log, progress, outcome = kill_then_resume(
        sandbox,
        tries,
        tmp_path,
        "hyperliquid_default",
        edits,
        kill_after_requests=4,
        latency_ms=150,
        chunk_size=4,
        max_in_flight=1,
    )
    report = outcome["report"]
    assert outcome["error"] is None, outcome["error"]
    after = sandbox.state()
    assert check_hyperliquid(edits, report, before, after, task_failed=False) == []
    assert report["totals"]["modified"] == len(edits) == 41
    assert len(progress.settled) >= 12
    assert resumed(report) == set(progress.settled)
    assert 0 in progress.settled
    # The repeated order: the killed try replaced 1000037, so this try edited the replacement.
    orders = hyperliquid_orders(after)
    chain = replacement_chain(orders, 1000037)
    first_edit, last_edit = report["edits"][0], report["edits"][-1]
    assert len(chain) == 3
    assert (first_edit["order_id"], first_edit["resumed"]) == (str(chain[1]), True)
    assert (last_edit["order_id"], last_edit["resumed"]) == (str(chain[2]), False)
    assert orders[chain[2]]["limitPx"] == "147.5"
    second_keys = keys_of(modify_log(sandbox))
    assert chain[1] in second_keys and 1000037 not in second_keys
    assert set(keys_of(first_log, applied_only=True)).isdisjoint(second_keys)
    assert len(second_keys) == len(set(second_keys))


# -- a try killed while its request is inside the exchange ------------------------------------------


@pytest.mark.parametrize("exchange", ["bitget", "hyperliquid"])
@pytest.mark.parametrize("timing", ["applied_after_the_kill", "answer_lost"])
def test_request_in_flight_at_the_kill_is_reconciled_not_resent(
    sandbox_conns: Sandbox, tries: TryServer, tmp_path: Path, exchange: str, timing: str
) -> None:
    """The third request is slow; the worker dies while it is inside the sandbox.

    ``applied_after_the_kill``: the sandbox holds the request, the worker dies, then the sandbox
    applies it. ``answer_lost``: the sandbox applies at once and the worker dies waiting for
    the answer. Either way the next try must find the edits applied, not apply them again.
    """
    sandbox = sandbox_conns
    before = sandbox.state()
    edits = _ladder_repeating_the_eleventh_order(exchange, before)
    conn_id = CONN_IDS[exchange]
    sandbox.set_faults(_third_request_slow(exchange, answer_lost=timing == "answer_lost"))
    store = tmp_path / "state.json"
    options = {"chunk_size": 5, "max_in_flight": 1}
    first = tries.start(tmp_path, conn_id, edits, store, **options)
    _kill_while_the_third_request_is_inside(sandbox, first, exchange, before, timing)
    progress = journal(store, conn_id, edits)
    assert set(progress.settled) == set(range(10))
    assert progress.in_doubt == set(range(10, 15))
    sandbox.clear_faults()
    sandbox.clear_requests()

    outcome = tries.start(tmp_path, conn_id, edits, store, **options).finish()
    report = outcome["report"]
    assert outcome["error"] is None, outcome["error"]
    after = sandbox.state()
    check = check_bitget if exchange == "bitget" else check_hyperliquid
    assert check(edits, report, before, after, task_failed=False) == []
    assert resumed(report) == set(range(10))
    assert [e["status"] for e in report["edits"]] == ["modified"] * 16
    _assert_only_the_repeat_was_sent(exchange, report, after, modify_log(sandbox))


def _ladder_repeating_the_eleventh_order(exchange: str, before: dict[str, Any]) -> list[dict[str, Any]]:
    """15 edits, three chunks of 5, then edit 11's order again: its second edit goes after the slow chunk."""
    if exchange == "bitget":
        edits = bitget_ladder(before, 1001, 1015)
        edits.append(again(edits[10], "59000.0"))  # order 1011 again, after its slow edit
    else:
        edits = hyperliquid_ladder(before, list(range(1000037, 1000052)))
        edits.append(again(edits[10], "154.5"))  # SOL sell 1000047 again, after its slow edit
    return edits


def _third_request_slow(exchange: str, *, answer_lost: bool) -> list[dict[str, Any]]:
    """Two prompt requests, then one held 2 s: before it is applied, or after (the answer is lost)."""
    return [
        {"venue": exchange, "fault": "latency", "latency_ms": 0, "times": 2},
        {"venue": exchange, "fault": "latency", "latency_ms": 2000, "after_apply": answer_lost},
    ]


def _kill_while_the_third_request_is_inside(
    sandbox: Sandbox, first: Try, exchange: str, before: dict[str, Any], timing: str
) -> None:
    """Kill ``first`` while its third request is inside the sandbox; wait until the sandbox answered it."""
    slow = wait_for(lambda: modify_log(sandbox)[2:3], "the third modify request")[0]
    assert slow["status"] is None  # still inside the sandbox
    first.kill()
    slow_keys = slow["order_keys"]
    in_flight_at_kill = _changed_orders(exchange, before, sandbox.state(), slow_keys)
    wait_for(lambda: all_answered(sandbox), "the slow request to be answered")
    assert _changed_orders(exchange, before, sandbox.state(), slow_keys) == len(slow_keys) == 5
    if timing == "applied_after_the_kill":
        assert in_flight_at_kill == 0  # nothing of it was applied while the try was alive


def _assert_only_the_repeat_was_sent(
    exchange: str, report: dict[str, Any], after: dict[str, Any], requests: list[dict[str, Any]]
) -> None:
    """Only the repeated order's second edit went out; the slow request's edits were only looked up."""
    assert len(requests) == 1
    if exchange == "bitget":
        assert requests[0]["order_keys"] == ["1011"]
        modifications = {id_: o["modifications"] for id_, o in bitget_orders(after).items() if id_ <= "1015"}
        assert modifications == {str(i): 2 if i == 1011 else 1 for i in range(1001, 1016)}
    else:
        chain = replacement_chain(hyperliquid_orders(after), 1000047)
        assert requests[0]["order_keys"] == [chain[1]]
        assert [report["edits"][10]["order_id"], report["edits"][15]["order_id"]] == [
            str(chain[1]),
            str(chain[2]),
        ]


def _changed_orders(exchange: str, before: dict[str, Any], now: dict[str, Any], keys: list[Any]) -> int:
    if exchange == "bitget":
        return sum(
            bitget_orders(now)[key]["modifications"] > bitget_orders(before)[key]["modifications"]
            for key in keys
        )
    return sum(hyperliquid_orders(now)[key]["replacedBy"] is not None for key in keys)


def test_a_journal_whose_second_entry_is_unreadable_sends_nothing(
    sandbox_conns: Sandbox, tries: TryServer, tmp_path: Path
) -> None:
    sandbox = sandbox_conns
    before = sandbox.state()
    edits = bitget_ladder(before, 1001, 1030)
    store = tmp_path / "state.json"
    sandbox.configure(latency_ms=200)
    first = tries.start(tmp_path, "bitget_default", edits, store, chunk_size=5, max_in_flight=1)
    wait_for(lambda: len(modify_log(sandbox)) >= 3, "three modify requests")
    first.kill()
    wait_for(lambda: all_answered(sandbox), "the killed try's requests to be answered")
    sandbox.configure(latency_ms=0)
    journal_file = JsonFileStore(store)
    second_entry = [key for key in journal_file.read_all() if key.endswith(".1")]
    assert len(second_entry) == 1
    journal_file.set(second_entry[0], "\x00 torn write")
    after_kill = sandbox.state()
    sandbox.clear_requests()

    outcome = tries.start(tmp_path, "bitget_default", edits, store, chunk_size=5, max_in_flight=1).finish()
    assert outcome["error"] is not None and outcome["error"].startswith("AirflowFailException")
    assert "entry 1" in outcome["error"] and "state store" in outcome["error"]
    assert modify_log(sandbox) == []
    assert bitget_orders(sandbox.state()) == bitget_orders(after_kill)
