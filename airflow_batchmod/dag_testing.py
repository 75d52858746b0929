"""Run a DAG end to end with ``airflow dags test`` and read back its outcome.

For the demo, our suite, and users' own DAG tests against the sandbox. It drives the
Airflow CLI in a subprocess and reads the default SQLite metadata database directly, so
importing it costs nothing and the calling process need not be configured for Airflow.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The default seed's accounts, as Airflow connections (see docs/sandbox.md).
SANDBOX_ACCOUNTS: dict[str, dict[str, Any]] = {
    "bitget_default": {
        "conn_type": "bitget",
        "login": "bg_demo_key",
        "password": "bg_demo_secret",
        "extra": {"passphrase": "bg_demo_pass"},
    },
    "bitget_second": {
        "conn_type": "bitget",
        "login": "bg_demo_key_2",
        "password": "bg_demo_secret_2",
        "extra": {"passphrase": "bg_demo_pass_2"},
    },
    "hyperliquid_default": {
        "conn_type": "hyperliquid",
        "password": "0x0123456789012345678901234567890123456789012345678901234567890123",
        "extra": {"network": "mainnet"},
    },
    "hyperliquid_second": {
        "conn_type": "hyperliquid",
        "password": "0x1111111111111111111111111111111111111111111111111111111111111111",
        "extra": {"network": "mainnet"},
    },
}


def sandbox_connections(sandbox_url: str) -> dict[str, dict[str, Any]]:
    """Connections for the default seed's accounts, all pointing at ``sandbox_url``."""
    return {conn_id: {**conn, "host": sandbox_url} for conn_id, conn in SANDBOX_ACCOUNTS.items()}


def airflow_env(
    airflow_home: Path,
    dags_folder: Path,
    connections: Mapping[str, Mapping[str, Any]],
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """An environment for the Airflow CLI: its own home and SQLite DB, our DAGs, the connections."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        }
    )
    for conn_id, conn in connections.items():
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(conn)
    return env


def airflow_command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "airflow", *args]


def airflow_cli(
    args: list[str], env: Mapping[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        airflow_command(args),
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def migrate_db(env: Mapping[str, str]) -> None:
    """Create the metadata database (SQLite under AIRFLOW_HOME) if it is not there yet."""
    result = airflow_cli(["db", "migrate"], env)
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


@dataclass
class DagRunResult:
    """What one ``airflow dags test`` run left in the metadata database."""

    dag_id: str
    returncode: int
    output: str
    run_id: str | None = None
    state: str | None = None
    task_states: dict[tuple[str, int], str] = field(default_factory=dict)
    xcoms: dict[tuple[str, int], Any] = field(default_factory=dict)

    def report(self, task_id: str, map_index: int = -1) -> Any:
        """The XCom ``return_value`` of one task instance."""
        return self.xcoms[(task_id, map_index)]


def dag_test_args(dag_id: str, *, conf: Mapping[str, Any] | None = None) -> list[str]:
    """``airflow dags test`` arguments: one new DAG run, executed in-process."""
    args = ["dags", "test", dag_id]
    return [*args, "--conf", json.dumps(dict(conf))] if conf else args


def task_test_args(dag_id: str, task_id: str, run_id: str) -> list[str]:
    """``airflow tasks test`` arguments: run one task again inside an existing DAG run.

    The task keeps its ``task_state_store`` and its upstream XComs, as it would when the
    scheduler retries it after its worker died.
    """
    return ["tasks", "test", dag_id, task_id, run_id]


def run_dag_test(
    dag_id: str,
    env: Mapping[str, str],
    *,
    conf: Mapping[str, Any] | None = None,
    timeout: float = 600,
) -> DagRunResult:
    """Run ``airflow dags test DAG_ID`` and collect the run's state, task states and XComs."""
    completed = airflow_cli(dag_test_args(dag_id, conf=conf), env, timeout)
    return read_dag_run(dag_id, env, completed.returncode, completed.stdout + completed.stderr)


def run_task_test(
    dag_id: str, task_id: str, run_id: str, env: Mapping[str, str], *, timeout: float = 600
) -> DagRunResult:
    """Run one task again inside an existing DAG run and collect that run's state."""
    completed = airflow_cli(task_test_args(dag_id, task_id, run_id), env, timeout)
    return read_dag_run(dag_id, env, completed.returncode, completed.stdout + completed.stderr, run_id=run_id)


def read_dag_run(
    dag_id: str, env: Mapping[str, str], returncode: int = 0, output: str = "", *, run_id: str | None = None
) -> DagRunResult:
    """A run of ``dag_id`` (the newest, or ``run_id``) in the SQLite database under ``AIRFLOW_HOME``."""
    result = DagRunResult(dag_id, returncode, output)
    database = Path(env["AIRFLOW_HOME"]) / "airflow.db"
    with sqlite3.connect(database) as db:
        if run_id is None:
            query = "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1"
            row = db.execute(query, (dag_id,)).fetchone()
        else:
            query = "SELECT run_id, state FROM dag_run WHERE dag_id = ? AND run_id = ?"
            row = db.execute(query, (dag_id, run_id)).fetchone()
        if row is None:
            return result
        result.run_id, result.state = row
        for task_id, map_index, state in db.execute(
            "SELECT task_id, map_index, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
            (dag_id, result.run_id),
        ):
            result.task_states[(task_id, map_index)] = state
        for task_id, map_index, value in db.execute(
            "SELECT task_id, map_index, value FROM xcom WHERE dag_id = ? AND run_id = ? AND key = 'return_value'",
            (dag_id, result.run_id),
        ):
            result.xcoms[(task_id, map_index)] = json.loads(value) if isinstance(value, str) else value
    return result
