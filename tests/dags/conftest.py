"""An Airflow home with a migrated metadata database, and a way to run example DAGs in it.

The database is deliberately not where Airflow puts it by default (``AIRFLOW_HOME/airflow.db``):
everything here must read runs through Airflow, wherever its database is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest

from airflow_batchmod.testing.dags import (
    SANDBOX_ACCOUNTS,
    DagRunResult,
    airflow_env,
    migrate_db,
    run_dag_test,
    sandbox_connections,
)
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags_examples"

RunDag = Callable[..., DagRunResult]


@pytest.fixture(scope="session")
def airflow_environment(
    tmp_path_factory: pytest.TempPathFactory, sandbox: Sandbox
) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("airflow-home")
    database = tmp_path_factory.mktemp("metadata") / "batchmod-metadata.db"
    env = airflow_env(
        home, DAGS_FOLDER, sandbox_connections(sandbox.url), database_url=f"sqlite:///{database}"
    )
    # The default connections in URI form, as many deployments write them: host, port and the
    # `http` schema compose the sandbox's URL, the rest arrives as query parameters.
    env.update(uri_connections(sandbox.url, ["bitget_default", "hyperliquid_default"]))
    migrate_db(env)
    yield env


def uri_connections(sandbox_url: str, conn_ids: list[str]) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables in URI form for some of the sandbox's accounts."""
    address = urlsplit(sandbox_url)
    assert address.scheme == "http" and address.hostname and address.port
    variables = {}
    for conn_id in conn_ids:
        conn = SANDBOX_ACCOUNTS[conn_id]
        login = quote(conn.get("login") or "", safe="")
        password = quote(conn["password"], safe="")
        query = urlencode(conn.get("extra", {}))
        variables[f"AIRFLOW_CONN_{conn_id.upper()}"] = (
            f"{conn['conn_type']}://{login}:{password}@{address.hostname}:{address.port}/http?{query}"
        )
    return variables


@pytest.fixture
def run_dag(airflow_environment: dict[str, str], sandbox: Sandbox) -> RunDag:
    """Reset the sandbox, run a DAG with `airflow dags test`, and insist that it succeeded."""

    def run(dag_id: str, conf: dict[str, Any] | None = None, **kwargs: Any) -> DagRunResult:
        sandbox.reset(DEFAULT_SEED)
        sandbox.clear_faults()
        result = run_dag_test(dag_id, airflow_environment, conf=conf, **kwargs)
        assert result.returncode == 0, result.output[-5000:]
        assert result.state == "success", result.output[-5000:]
        return result

    return run
