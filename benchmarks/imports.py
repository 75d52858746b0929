"""Import cost: what ``import airflow_batchmod.operators.batch_modify`` adds to a DAG file's parse.

Each measurement is a fresh interpreter: ``import airflow.sdk``, then the operator module,
timed with ``perf_counter``. The median of several runs is reported, with the modules that
must stay unloaded until a task runs (the exchange clients, eth-account, msgpack, the engine).
One more run with ``-X importtime`` breaks down the provider's own modules.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from typing import Any

from benchmarks.common import ROOT, Row, heading, verdict

RUNS = 7
TARGET_MS = 30.0
OPERATOR_MODULE = "airflow_batchmod.operators.batch_modify"
EXAMPLE_DAG = ROOT / "dags_examples" / "rebalance_ladder.py"
#: Loaded only inside execute(): a DAG file that merely uses the operator must not pay for them.
MUST_STAY_UNLOADED = (
    "eth_account",
    "eth_utils",
    "msgpack",
    "airflow_batchmod.exchanges.bitget.client",
    "airflow_batchmod.exchanges.hyperliquid.client",
    "airflow_batchmod.hooks.bitget",
    "airflow_batchmod.hooks.hyperliquid",
    "airflow_batchmod.run.engine",
)

_PROBE = """
import json, runpy, sys, time
sys.path.insert(0, {dags_folder!r})  # as Airflow does, so DAG files can import their helpers
t0 = time.perf_counter()
import airflow.sdk
t1 = time.perf_counter()
before = set(sys.modules)
import {module}
t2 = time.perf_counter()
added = sorted(set(sys.modules) - before)
before_dag = set(sys.modules)
runpy.run_path({dag!r}, run_name="dag_file")
t3 = time.perf_counter()
dag_added = [m for m in set(sys.modules) - before_dag if not m.startswith("airflow.")]
runpy.run_path({dag!r}, run_name="dag_file_again")
t4 = time.perf_counter()
print(json.dumps({{
    "sdk_ms": (t1 - t0) * 1000,
    "operator_ms": (t2 - t1) * 1000,
    "dag_ms": (t3 - t2) * 1000,
    "dag_again_ms": (t4 - t3) * 1000,
    "dag_added_outside_airflow": sorted(dag_added),
    "added": added,
    "loaded": [m for m in {watch!r} if m in sys.modules],
}}))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _probe() -> dict[str, Any]:
    code = _PROBE.format(
        module=OPERATOR_MODULE,
        dag=str(EXAMPLE_DAG),
        dags_folder=str(EXAMPLE_DAG.parent),
        watch=MUST_STAY_UNLOADED,
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), cwd=ROOT, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"import probe failed:\n{completed.stderr[-3000:]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert isinstance(result, dict)
    return result


def _importtime() -> list[tuple[int, int, str]]:
    """(self us, cumulative us, module) of the provider's modules under ``-X importtime``."""
    code = f"import airflow.sdk\nimport {OPERATOR_MODULE}"
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        check=False,
    )
    rows = []
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if name.strip().startswith("airflow_batchmod") and own.isdigit():
            rows.append((int(own), int(cumulative), name))
    return rows


def run(full: bool = False) -> list[Row]:
    heading(f"Import cost: {OPERATOR_MODULE} after `import airflow.sdk` ({RUNS} fresh interpreters)")
    probes = [_probe() for _ in range(RUNS)]
    sdk = statistics.median(p["sdk_ms"] for p in probes)
    operator = statistics.median(p["operator_ms"] for p in probes)
    dag = statistics.median(p["dag_ms"] for p in probes)
    dag_again = statistics.median(p["dag_again_ms"] for p in probes)
    spread = sorted(round(p["operator_ms"], 1) for p in probes)
    loaded = sorted({m for p in probes for m in p["loaded"]})
    print(f"  import airflow.sdk: median {sdk:.0f} ms (the baseline every DAG file pays)")
    print(f"  + import {OPERATOR_MODULE}: median {operator:.1f} ms (runs: {spread})")
    print(f"    modules it adds: {probes[0]['added']}")
    print(
        f"  + parsing the example DAG {EXAMPLE_DAG.name} (operator already imported): median {dag:.1f} ms "
        f"the first time (mostly Airflow's own @task and timetable modules; non-airflow modules it loads: "
        f"{probes[0]['dag_added_outside_airflow']}), {dag_again:.1f} ms parsed again"
    )
    print(f"  loaded after the DAG file parsed, of {list(MUST_STAY_UNLOADED)}: {loaded or 'none'}")
    print("  -X importtime, provider modules (self us | cumulative us):")
    for own, cumulative, name in _importtime():
        print(f"    {own:>7} | {cumulative:>7} | {name}")
    return [
        Row(
            "imports",
            "operator import over airflow.sdk",
            f"{operator:.1f} ms (airflow.sdk itself {sdk:.0f} ms)",
            f"<= {TARGET_MS:.0f} ms",
            verdict(operator <= TARGET_MS),
        ),
        Row(
            "imports",
            "clients/eth_account/msgpack at parse time",
            ", ".join(loaded) if loaded else "none loaded",
            "none loaded",
            verdict(not loaded),
        ),
        Row(
            "imports",
            f"example DAG parse ({EXAMPLE_DAG.name})",
            f"{dag:.0f} ms first, {dag_again:.1f} ms again",
            "no target",
        ),
    ]
