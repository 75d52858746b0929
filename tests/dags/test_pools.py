"""The multi-account example under a real scheduler: the two Hyperliquid accounts share one
egress-IP pool with one slot, so their tasks never run at the same time.

``airflow dags test`` ignores pools, so this runs the scheduler itself (LocalExecutor, room for
four tasks at once) with the api-server its workers report to, and reads when each task instance
ran from Airflow's REST API.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from airflow_batchmod.testing.dags import airflow_cli
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, Sandbox, stop_process
from tests.support.api_server import api_server, login

DAG_ID = "batchmod_multi_account_fanout"
POOL = "batchmod_hyperliquid_ip"
RUN_ID = "manual__pool_check"


def cli(args: list[str], env: dict[str, str]) -> None:
    result = airflow_cli(args, env, timeout=300)
    assert result.returncode == 0, (
        f"airflow {' '.join(args)}:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    )


def task_instances(url: str, token: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{url}/api/v2/dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances",
        headers={"Authorization": f"Bearer {token}"},
        params={"limit": 100},
        timeout=30,
    )
    response.raise_for_status()
    instances: list[dict[str, Any]] = response.json()["task_instances"]
    return instances


def test_two_tasks_of_one_pool_never_overlap(
    airflow_environment: dict[str, str], sandbox: Sandbox, tmp_path: Path
) -> None:
    sandbox.reset(DEFAULT_SEED)
    sandbox.clear_faults()
    env = {
        **airflow_environment,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
    }
    with api_server(env, tmp_path) as url:
        env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"{url}/execution/"
        cli(["dags", "reserialize"], env)
        cli(["pools", "set", POOL, "1", "Hyperliquid: one worker IP"], env)
        cli(["dags", "unpause", DAG_ID], env)
        cli(["dags", "trigger", DAG_ID, "--run-id", RUN_ID], env)
        log = (tmp_path / "scheduler.log").open("wb")
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "airflow", "scheduler"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            token = login(url)
            deadline = time.monotonic() + 400
            while True:
                instances = task_instances(url, token)
                states = {ti["state"] for ti in instances}
                if instances and states <= {"success", "failed", "upstream_failed", "skipped"}:
                    break
                assert time.monotonic() < deadline, f"the run did not finish: {instances}"
                assert scheduler.poll() is None, (tmp_path / "scheduler.log").read_text()[-3000:]
                time.sleep(3)
        finally:
            stop_process(scheduler, timeout=30)
            log.close()
    by_task: dict[str, list[dict[str, Any]]] = {}
    for ti in instances:
        assert ti["state"] == "success", ti
        by_task.setdefault(ti["task_id"], []).append(ti)
    pooled = sorted(by_task["apply_hyperliquid"], key=lambda ti: ti["start_date"])
    assert len(pooled) == 2 and {ti["pool"] for ti in pooled} == {POOL}
    first, second = (
        (datetime.fromisoformat(t["start_date"]), datetime.fromisoformat(t["end_date"])) for t in pooled
    )
    assert first[1] <= second[0], f"pooled tasks overlapped: {first} and {second}"
    assert len(by_task["apply_bitget"]) == 2
