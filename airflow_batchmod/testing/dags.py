"""Run a DAG end to end with ``airflow dags test`` and read back its outcome.

For the demo, our suite, and users' own DAG tests against the sandbox. Airflow runs in a
subprocess (``airflow_batchmod.testing.dag_runner``), which also reads the run back through
Airflow's own models, so this works on any metadata database Airflow supports, importing this
module costs nothing, and the calling process need not be configured for Airflow.

A run that waits for a person (Human-in-the-loop) runs in the background (``BackgroundDagRun``)
while ``wait_for_approval``/``answer_approval`` read and answer its request through Airflow's
REST API (``airflow_batchmod.testing.approval_api``, again in a subprocess).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

#: Which default-seed Bitget account (by uid) each Bitget connection speaks for.
BITGET_CONNECTION_UIDS = {"bitget_default": "1001", "bitget_second": "1002"}
#: The private key of each Hyperliquid connection. The seed holds addresses only (an exchange
#: never sees a key), so the keys live here; a unit test checks each signs for a seeded account.
HYPERLIQUID_CONNECTION_KEYS = {
    "hyperliquid_default": "0x0123456789012345678901234567890123456789012345678901234567890123",
    "hyperliquid_second": "0x1111111111111111111111111111111111111111111111111111111111111111",
}


#: How long the seed's Bitget connections wait before resending an edit a lost answer left in
#: doubt. A sandbox latency fault holding a request longer plays a venue slower than the client.
SANDBOX_LATE_APPLY_SECONDS = 3.0


def _default_seed_connections() -> dict[str, dict[str, Any]]:
    """The connections, with Bitget credentials read from the packaged default seed (their one source)."""
    from airflow_batchmod.exchanges.hyperliquid.signing import address_of

    seed_file = resources.files("airflow_batchmod.sandbox.seed").joinpath("default.json")
    seed = json.loads(seed_file.read_text(encoding="utf-8"))
    bitget = {account["uid"]: account for account in seed["bitget"]["accounts"]}
    connections: dict[str, dict[str, Any]] = {}
    for conn_id, uid in BITGET_CONNECTION_UIDS.items():
        account = bitget[uid]
        connections[conn_id] = {
            "conn_type": "bitget",
            "login": account["api_key"],
            "password": account["secret"],
            # The sandbox holds a request only as long as a latency fault says (2.2 s in our
            # suite); the venue's 30 s would make every lost answer cost half a minute.
            "extra": {"passphrase": account["passphrase"], "late_apply_seconds": SANDBOX_LATE_APPLY_SECONDS},
        }
    network = seed["hyperliquid"].get("network", "mainnet")
    for conn_id, key in HYPERLIQUID_CONNECTION_KEYS.items():
        # The login names the account: without one, each run asks userRole (weight 60).
        connections[conn_id] = {
            "conn_type": "hyperliquid",
            "login": address_of(key).lower(),
            "password": key,
            "extra": {"network": network},
        }
    return connections


#: The default seed's accounts, as Airflow connections without a host (see docs/sandbox.md).
SANDBOX_ACCOUNTS: dict[str, dict[str, Any]] = _default_seed_connections()


def sandbox_connections(sandbox_url: str) -> dict[str, dict[str, Any]]:
    """Connections for the default seed's accounts, all pointing at ``sandbox_url``."""
    return {conn_id: {**conn, "host": sandbox_url} for conn_id, conn in SANDBOX_ACCOUNTS.items()}


def airflow_env(
    airflow_home: Path,
    dags_folder: Path,
    connections: Mapping[str, Mapping[str, Any]],
    base: Mapping[str, str] | None = None,
    *,
    database_url: str | None = None,
) -> dict[str, str]:
    """An environment for the Airflow CLI: its own home, our DAGs, the connections.

    The metadata database is SQLite under ``airflow_home`` unless ``database_url`` (any
    SQLAlchemy URL Airflow supports, e.g. ``postgresql+psycopg2://…``) names another.
    """
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
    if database_url is not None:
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = database_url
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
    """Create or upgrade the metadata database the environment names (``airflow db migrate``)."""
    result = airflow_cli(["db", "migrate"], env)
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


@dataclass
class DagRunResult:
    """What one ``airflow dags test`` run left in the metadata database.

    ``run_id`` is ``None`` when no run of the DAG was found (for instance it failed to parse).
    """

    dag_id: str
    returncode: int
    output: str
    run_id: str | None = None
    state: str | None = None
    task_states: dict[tuple[str, int], str | None] = field(default_factory=dict)
    xcoms: dict[tuple[str, int], Any] = field(default_factory=dict)
    #: Each task instance's ``task_state_store``: key -> value.
    state_stores: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)

    def report(self, task_id: str, map_index: int = -1) -> Any:
        """The XCom ``return_value`` of one task instance."""
        return self.xcoms[(task_id, map_index)]

    def state_store(self, task_id: str, map_index: int = -1) -> dict[str, Any]:
        """What one task instance keeps in its ``task_state_store`` (empty when nothing)."""
        return self.state_stores.get((task_id, map_index), {})


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
    return _run_and_read(dag_id, None, dag_test_args(dag_id, conf=conf), env, timeout)


def run_task_test(
    dag_id: str, task_id: str, run_id: str, env: Mapping[str, str], *, timeout: float = 600
) -> DagRunResult:
    """Run one task again inside an existing DAG run and collect that run's state."""
    return _run_and_read(dag_id, run_id, task_test_args(dag_id, task_id, run_id), env, timeout)


def read_dag_run(
    dag_id: str, env: Mapping[str, str], *, run_id: str | None = None, timeout: float = 600
) -> DagRunResult:
    """A run of ``dag_id`` (the newest, or ``run_id``), as the metadata database holds it now."""
    return _run_and_read(dag_id, run_id, [], env, timeout)


def _run_and_read(
    dag_id: str, run_id: str | None, cli_args: list[str], env: Mapping[str, str], timeout: float
) -> DagRunResult:
    """Run ``airflow CLI_ARGS`` (if any) and read the run, in one Airflow process."""
    with tempfile.TemporaryDirectory(prefix="batchmod-dag-run-") as scratch:
        result_file = Path(scratch) / "run.json"
        completed = subprocess.run(
            _runner_command(dag_id, run_id, cli_args, result_file),
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return _read_result(dag_id, completed.returncode, completed.stdout + completed.stderr, result_file)


def _runner_command(dag_id: str, run_id: str | None, cli_args: list[str], result_file: Path) -> list[str]:
    command = [sys.executable, "-m", "airflow_batchmod.testing.dag_runner", "--dag-id", dag_id]
    command += ["--result", str(result_file)]
    command += ["--run-id", run_id] if run_id is not None else []
    return command + (["--", *cli_args] if cli_args else [])


def _read_result(dag_id: str, returncode: int, output: str, result_file: Path) -> DagRunResult:
    if not result_file.exists():
        raise RuntimeError(f"could not read the DAG run of {dag_id}:\n{output[-3000:]}")
    described = json.loads(result_file.read_text(encoding="utf-8"))
    result = DagRunResult(dag_id, returncode, output, described["run_id"])
    if result.run_id is not None:
        result.state = described["state"]
        for task in described["tasks"]:
            result.task_states[(task["task_id"], task["map_index"])] = task["state"]
        for xcom in described["xcoms"]:
            result.xcoms[(xcom["task_id"], xcom["map_index"])] = xcom["value"]
        for row in described.get("state_store", []):
            result.state_stores.setdefault((row["task_id"], row["map_index"]), {})[row["key"]] = row["value"]
    return result


class BackgroundDagRun:
    """An ``airflow dags test`` run going on in the background, e.g. one that waits for a human.

    Use it as a context manager (the run is killed if the block leaves early) and call
    :meth:`wait` for its outcome.
    """

    def __init__(self, dag_id: str, env: Mapping[str, str], *, conf: Mapping[str, Any] | None = None):
        self.dag_id = dag_id
        #: When the run was started: its ``run_after`` is later (see ``wait_for_approval(since=...)``).
        self.started_at = datetime.now(UTC)
        self._scratch = tempfile.TemporaryDirectory(prefix="batchmod-dag-run-")
        self._result_file = Path(self._scratch.name) / "run.json"
        self._output = Path(self._scratch.name) / "output.txt"
        with self._output.open("wb") as sink:
            self._process = subprocess.Popen(
                _runner_command(dag_id, None, dag_test_args(dag_id, conf=conf), self._result_file),
                env=dict(env),
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def running(self) -> bool:
        return self._process.poll() is None

    def wait(self, timeout: float = 600) -> DagRunResult:
        """Wait for the run to finish and read its outcome."""
        returncode = self._process.wait(timeout=timeout)
        output = self._output.read_text(encoding="utf-8", errors="replace")
        return _read_result(self.dag_id, returncode, output, self._result_file)

    def __enter__(self) -> BackgroundDagRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._scratch.cleanup()


def wait_for_approval(
    dag_id: str,
    task_id: str,
    env: Mapping[str, str],
    *,
    run_id: str | None = None,
    since: datetime | None = None,
    map_index: int = -1,
    timeout: float = 120,
) -> dict[str, Any]:
    """Wait until a Human-in-the-loop task asks for input, and return its request.

    Reads it through Airflow's REST API (see :func:`answer_approval`; ``since`` leaves out runs
    that started earlier, e.g. ``BackgroundDagRun.started_at``). Returns ``run_id`` and
    ``request``: the API's ``HITLDetail`` (``subject``, ``body``, ``options``, ``task_instance``...).
    """
    return _hitl_call(dag_id, task_id, env, None, run_id, since, map_index, timeout)


def answer_approval(
    dag_id: str,
    task_id: str,
    env: Mapping[str, str],
    *,
    approve: bool = True,
    run_id: str | None = None,
    since: datetime | None = None,
    map_index: int = -1,
    timeout: float = 120,
) -> dict[str, Any]:
    """Answer an ``ApprovalOperator`` task (``Approve`` or ``Reject``) through Airflow's REST API.

    Waits up to ``timeout`` seconds until the task of ``run_id`` (by default the newest waiting run,
    of those started after ``since``) asks for input, then answers it with ``PATCH /api/v2/dags/
    {dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/{map_index}/hitlDetails`` as an admin of the
    SimpleAuthManager. Airflow's API app is served in a subprocess on the metadata database ``env``
    names; no port is opened.
    Returns ``run_id``, ``request`` (as :func:`wait_for_approval`) and ``response`` (the API's
    answer: ``chosen_options``, ``responded_by``, ``responded_at``).
    """
    option = "Approve" if approve else "Reject"
    return _hitl_call(dag_id, task_id, env, option, run_id, since, map_index, timeout)


def _hitl_call(
    dag_id: str,
    task_id: str,
    env: Mapping[str, str],
    option: str | None,
    run_id: str | None,
    since: datetime | None,
    map_index: int,
    timeout: float,
) -> dict[str, Any]:
    api_env = {
        **env,
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager."
        "SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
    }
    with tempfile.TemporaryDirectory(prefix="batchmod-hitl-") as scratch:
        result_file = Path(scratch) / "answer.json"
        command = [sys.executable, "-m", "airflow_batchmod.testing.approval_api", "--dag-id", dag_id]
        command += ["--task-id", task_id, "--map-index", str(map_index)]
        command += ["--timeout", str(timeout), "--result", str(result_file)]
        command += ["--option", option] if option is not None else []
        command += ["--run-id", run_id] if run_id is not None else []
        command += ["--since", since.isoformat()] if since is not None else []
        completed = subprocess.run(
            command, env=api_env, capture_output=True, text=True, timeout=timeout + 120, check=False
        )
        if completed.returncode != 0 or not result_file.exists():
            output = completed.stdout + completed.stderr
            raise RuntimeError(f"could not reach {dag_id}.{task_id} through the API:\n{output[-3000:]}")
        result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
        return result
