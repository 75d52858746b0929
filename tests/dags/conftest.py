"""An Airflow home with a migrated metadata database, and a way to run example DAGs in it.

The database is deliberately not where Airflow puts it by default (``AIRFLOW_HOME/airflow.db``):
everything here must read runs through Airflow, wherever its database is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_batchmod.dag_testing import (
    DagRunResult,
    airflow_env,
    migrate_db,
    run_dag_test,
    sandbox_connections,
)
from airflow_batchmod.sandbox.testing import DEFAULT_SEED, Sandbox

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
    migrate_db(env)
    yield env


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
