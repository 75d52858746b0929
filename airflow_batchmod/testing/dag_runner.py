"""Inside an Airflow process: run one Airflow CLI command, then describe a DAG run as JSON.

``airflow_batchmod.testing.dags`` starts this module where it would start ``airflow``, so a DAG
run and the reading of its outcome share one process (one Airflow start-up, not two). The run is
read through Airflow's own models and whatever metadata database Airflow is configured with
(SQLite, PostgreSQL, MySQL), never through table or column names:

    python -m airflow_batchmod.testing.dag_runner --dag-id D [--run-id R] --result FILE [-- ARGS...]

``ARGS`` are ``airflow`` CLI arguments (e.g. ``dags test D``); without them the run is only read.
The process exits with the CLI command's exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path
from typing import Any, cast


def run_airflow_cli(args: list[str]) -> int:
    """Run ``airflow ARGS`` in this process, exactly as the ``airflow`` executable would."""
    from airflow.__main__ import main

    sys.argv = ["airflow", *args]
    try:
        main()  # type: ignore[no-untyped-call]  # Airflow's entry point has no annotations
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            return stop.code or 0
        print(stop.code, file=sys.stderr)  # what the interpreter would print for SystemExit("...")
        return 1
    except Exception:
        # The run may still have left state worth reading (a task that raised, a DAG run marked failed).
        traceback.print_exc()
        return 1
    return 0


def describe_dag_run(dag_id: str, run_id: str | None) -> dict[str, Any]:
    """``run_id`` (or the newest run of ``dag_id``): its state, task states, ``return_value`` XComs and
    task state store."""
    from airflow.models.dagrun import DagRun
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        runs = DagRun.find(dag_id=dag_id, run_id=run_id, session=session)
        if not runs:
            return {"run_id": None}
        # `airflow dags list-runs` orders by run_after too; `dags test` sets it to the moment it starts.
        run = max(runs, key=lambda candidate: candidate.run_after)
        tasks = [
            {"task_id": ti.task_id, "map_index": ti.map_index, "state": _plain(ti.state)}
            for ti in run.get_task_instances(session=session)
        ]
        query = XComModel.get_many(run_id=run.run_id, dag_ids=dag_id, key="return_value")
        # get_many is annotated as a select of 1-tuples; scalars() yields the XComModel rows themselves.
        rows = cast("list[XComModel]", session.scalars(query).all())
        xcoms = [
            {"task_id": row.task_id, "map_index": row.map_index, "value": XComModel.deserialize_value(row)}
            for row in rows
        ]
        return {
            "run_id": run.run_id,
            "state": _plain(run.state),
            "tasks": tasks,
            "xcoms": xcoms,
            "state_store": _state_store(session, dag_id, run.run_id),
        }


def _state_store(session: Any, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    """Every ``task_state_store`` key of the run, with its value (stored as JSON text)."""
    from airflow.models.task_state_store import TaskStateStoreModel
    from sqlalchemy import select

    query = select(TaskStateStoreModel).where(
        TaskStateStoreModel.dag_id == dag_id, TaskStateStoreModel.run_id == run_id
    )
    return [
        {"task_id": row.task_id, "map_index": row.map_index, "key": row.key, "value": json.loads(row.value)}
        for row in session.scalars(query)
    ]


def _plain(state: Any) -> str | None:
    """A state enum as its value (``"success"``), ``None`` as ``None``."""
    return None if state is None else str(getattr(state, "value", state))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m airflow_batchmod.testing.dag_runner")
    parser.add_argument("--dag-id", required=True)
    parser.add_argument("--run-id")
    parser.add_argument("--result", required=True, type=Path, help="where to write the run as JSON")
    parser.add_argument("airflow_args", nargs=argparse.REMAINDER, help="-- then airflow CLI arguments")
    options = parser.parse_args(argv)
    cli_args = options.airflow_args[1:] if options.airflow_args[:1] == ["--"] else options.airflow_args
    returncode = run_airflow_cli(cli_args) if cli_args else 0
    sys.stdout.flush()
    description = describe_dag_run(options.dag_id, options.run_id)
    options.result.write_text(json.dumps(description, default=str), encoding="utf-8")
    return returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
