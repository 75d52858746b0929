"""Task tries of ``BatchModifyOrdersOperator`` as real processes that a test can SIGKILL.

    python -m tests.integration.operator_worker

The process imports Airflow, the hooks and the clients once (seconds), then reads job file
paths from stdin, one a line. For each job it forks a child that runs one try and answers
the child's pid on stdout; the child is an ordinary process of its own, so ``kill -9 <pid>``
ends the try wherever it is, exactly like a worker that died. Forking is safe here because
this process never starts a thread.

A job file holds ``conn_id``, ``edits``, ``operator`` (keyword arguments), ``store`` (the path
of the JSON file behind ``task_state_store``, or null for none), ``report`` (where the child
writes ``{"report", "error"}`` when the try ends) and ``log`` (the child's stdout and stderr).
Connections come from the ``AIRFLOW_CONN_*`` variables this process was started with.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

PRELOADED = (
    "airflow_batchmod.exchanges.bitget.client",
    "airflow_batchmod.exchanges.hyperliquid.client",
    "airflow_batchmod.hooks.bitget",
    "airflow_batchmod.hooks.hyperliquid",
    "airflow_batchmod.operators.batch_modify",
    "airflow_batchmod.testing.operator_run",
    "tests.integration.conftest",
)


class JsonFileStore:
    """A ``task_state_store`` kept in one JSON file that outlives the process writing it.

    Every ``set`` writes a new file and renames it over the old one, so a process killed
    mid-write leaves the previous document intact, never half of a new one.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def read_all(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        return data

    def get(self, key: str, default: Any = None) -> Any:
        return self.read_all().get(key, default)

    def set(self, key: str, value: Any) -> None:
        data = self.read_all()
        data[key] = json.loads(json.dumps(value))
        scratch = self.path.with_name(self.path.name + ".tmp")
        scratch.write_text(json.dumps(data), encoding="utf-8")
        os.replace(scratch, self.path)


def run_try(job: dict[str, Any]) -> None:
    """One task try: ``execute()`` with a fake TI, the outcome written to ``job["report"]``."""
    from airflow_batchmod.testing.operator_run import run_operator

    store = JsonFileStore(Path(job["store"])) if job["store"] is not None else None
    run = run_operator(job["conn_id"], job["edits"], store=store, **job["operator"])
    if run.error is not None:
        traceback.print_exception(run.error)
    outcome = {"report": run.report, "error": run.error_text}
    report = Path(job["report"])
    scratch = report.with_name(report.name + ".tmp")
    scratch.write_text(json.dumps(outcome), encoding="utf-8")
    os.replace(scratch, report)  # the report appears whole or not at all


def serve() -> None:
    # Everything a try needs is imported before the first fork, so each try starts at once.
    for module in PRELOADED:
        importlib.import_module(module)

    # Tries are reaped by the kernel: nobody here waits for them, the test watches their pids.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        job = json.loads(Path(line.strip()).read_text(encoding="utf-8"))
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            log = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            try:
                run_try(job)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(0)
        print(pid, flush=True)


if __name__ == "__main__":
    serve()
