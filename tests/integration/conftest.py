"""Fixtures for driving the operator against the sandbox process."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from airflow_batchmod.testing import operator_run
from airflow_batchmod.testing.dags import sandbox_connections
from airflow_batchmod.testing.operator_run import OperatorRun
from airflow_batchmod.testing.sandbox import Sandbox

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
    """:func:`airflow_batchmod.testing.operator_run.run_operator` with the sandbox's connections set."""
    return operator_run.run_operator
