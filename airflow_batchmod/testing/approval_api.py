"""Inside an Airflow process: answer a Human-in-the-loop task through Airflow's public REST API.

``airflow_batchmod.testing.dags.answer_approval`` starts this module in a subprocess configured
like the Airflow that runs the DAG (same metadata database). It serves Airflow's own API app
in-process (no port is opened), finds the task's open Human-in-the-loop request with
``GET /api/v2/dags/{dag_id}/dagRuns/{run_id}/hitlDetails`` and answers it with
``PATCH .../taskInstances/{task_id}/{map_index}/hitlDetails``, exactly as the Required Actions page
or any API client would:

    python -m airflow_batchmod.testing.approval_api --dag-id D --task-id T [--option Approve] \
        [--run-id R] [--since ISO-TIME] [--map-index N] [--timeout S] --result FILE

Without ``--option`` it only waits for the request. FILE receives JSON: the run (``run_id``), the
request as the API shows it (``request``: subject, body, options...) and, when answered, the API's
response (``response``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

API = "/api/v2"


def answer(
    dag_id: str,
    task_id: str,
    options: list[str] | None,
    *,
    run_id: str | None,
    map_index: int,
    timeout: float,
    since: datetime | None = None,
) -> dict[str, Any]:
    """Wait until the task asks for input, then answer with ``options`` (if any).

    ``since`` leaves out requests of runs that started earlier (say, a run killed while it waited).
    """
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    with TestClient(create_app(apps="core"), base_url="http://127.0.0.1") as client:
        run = run_id or "~"
        deadline = time.monotonic() + timeout
        while True:
            listed = client.get(
                f"{API}/dags/{dag_id}/dagRuns/{run}/hitlDetails",
                params={"task_id": task_id, "map_index": map_index, "response_received": False},
            )
            listed.raise_for_status()
            waiting = [
                detail
                for detail in listed.json()["hitl_details"]
                if since is None or datetime.fromisoformat(detail["task_instance"]["run_after"]) >= since
            ]
            if waiting:
                # The newest run's request, when several runs wait for the same task.
                request = max(waiting, key=lambda detail: str(detail["task_instance"]["run_after"]))
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dag_id}.{task_id} did not ask for input within {timeout} s")
            time.sleep(0.5)
        found = request["task_instance"]["dag_run_id"]
        result: dict[str, Any] = {"run_id": found, "request": request}
        if not options:
            return result
        answered = client.patch(
            f"{API}/dags/{dag_id}/dagRuns/{found}/taskInstances/{task_id}/{map_index}/hitlDetails",
            json={"chosen_options": options},
        )
        if answered.status_code != 200:
            raise RuntimeError(f"the API refused the answer ({answered.status_code}): {answered.text}")
        result["response"] = answered.json()
        return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m airflow_batchmod.testing.approval_api")
    parser.add_argument("--dag-id", required=True)
    parser.add_argument("--task-id", required=True)
    parser.add_argument("--option", action="append", help="an option to choose; none: only wait")
    parser.add_argument("--run-id")
    parser.add_argument("--map-index", type=int, default=-1)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--since", type=datetime.fromisoformat, help="ignore runs from before (ISO time)")
    parser.add_argument("--result", required=True, type=Path, help="where to write the answer as JSON")
    options = parser.parse_args(argv)
    result = answer(
        options.dag_id,
        options.task_id,
        options.option,
        run_id=options.run_id,
        map_index=options.map_index,
        timeout=options.timeout,
        since=options.since,
    )
    options.result.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
