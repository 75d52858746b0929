"""Fixtures for driving the operator against the sandbox process."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from airflow_batchmod.run.journal import MemoryStore
from airflow_batchmod.testing.dags import sandbox_connections
from airflow_batchmod.testing.sandbox import Sandbox
from airflow_batchmod.testing.task_instance import FakeTaskInstance


@dataclass
class OperatorRun:
    report: dict[str, Any] | None
    error: BaseException | None
    store: MemoryStore
    ti: FakeTaskInstance


RunOperator = Callable[..., OperatorRun]


@pytest.fixture
def client(fresh_sandbox: Sandbox) -> Iterator[httpx.Client]:
    """Plain HTTP to the fresh sandbox, for tests that build requests by hand.

    The modules that test one of our exchange clients define their own ``client``.
    """
    with httpx.Client(base_url=fresh_sandbox.url, timeout=5.0) as http:
        yield http


@pytest.fixture
def sandbox_conns(fresh_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The fresh sandbox, with every default-seed account available as an Airflow connection."""
    for conn_id, conn in sandbox_connections(fresh_sandbox.url).items():
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return fresh_sandbox


@pytest.fixture
def run_operator(sandbox_conns: Sandbox) -> RunOperator:
    """Run BatchModifyOrdersOperator.execute() once; a ``store`` may be passed to resume a run."""
    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

    def run(conn_id: str, edits: Any, *, store: MemoryStore | None = None, **kwargs: Any) -> OperatorRun:
        store = store if store is not None else MemoryStore()
        ti = FakeTaskInstance()
        operator = BatchModifyOrdersOperator(task_id="apply_edits", conn_id=conn_id, edits=edits, **kwargs)
        context: Any = {"ti": ti, "task_state_store": store}
        try:
            report = operator.execute(context)
        except Exception as exc:
            return OperatorRun(ti.xcoms.get("return_value"), exc, store, ti)
        return OperatorRun(report, None, store, ti)

    return run
