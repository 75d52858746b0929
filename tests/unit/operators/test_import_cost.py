"""DAG files import the operator at parse time: it must not drag in the exchange stacks."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY_MODULES = (
    "eth_account",
    "msgpack",
    "eth_utils",
    "airflow_batchmod.exchanges.bitget",
    "airflow_batchmod.exchanges.hyperliquid",
    "airflow_batchmod.sandbox",
)


def imported_after_operator() -> list[str]:
    script = (
        "import sys, json; import airflow.sdk; "
        "import airflow_batchmod.operators.batch_modify; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    modules: list[str] = json.loads(output.strip().splitlines()[-1])
    return modules


def test_operator_import_leaves_exchange_stacks_unloaded() -> None:
    loaded = imported_after_operator()
    assert "airflow_batchmod.operators.batch_modify" in loaded
    heavy = [m for m in loaded if m.startswith(HEAVY_MODULES)]
    assert heavy == []
