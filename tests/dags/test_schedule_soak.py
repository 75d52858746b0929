"""The ladder DAG as a schedule: ten ``airflow dags test`` runs in a row per venue, one book.

Between runs the mid moves or not and random ladder orders fill, partly or completely (seeded,
so a failure replays). ``tests.support.schedule_soak`` judges every run from the sandbox's side;
``python -m benchmarks soak --schedule --runs N`` runs the same for longer.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from airflow_batchmod.testing.sandbox import Sandbox
from tests.support.schedule_soak import VENUES, run_line, run_schedule

RUNS = 10
SEED = 20261202


#: Each venue under every way the sandbox plays what the venue leaves open (docs/venue-behaviour.md).
MODES: list[tuple[str, dict[str, Any]]] = [(venue, {}) for venue in VENUES] + [
    ("hyperliquid", {"hyperliquid_failed_modify": "keeps_original"}),
    ("hyperliquid", {"hyperliquid_shared_cloid_status": "oldest"}),
    ("bitget", {"bitget_modify_new_order_id": True}),
    ("bitget", {"bitget_batch_errors": "envelope"}),
]


@pytest.mark.timeout(900)  # ten `airflow dags test` runs; slow on a shared machine, not a target
@pytest.mark.parametrize(
    ("venue", "mode"), MODES, ids=lambda v: "-".join(map(str, v.values())) if isinstance(v, dict) else v
)
def test_the_ladder_dag_runs_ten_times_in_a_row(
    airflow_environment: dict[str, str], sandbox: Sandbox, venue: str, mode: dict[str, Any]
) -> None:
    rng = random.Random(f"{SEED}-{venue}")
    runs = run_schedule(sandbox, airflow_environment, venue, RUNS, rng, mode=mode)
    lines = "\n".join(run_line(run) for run in runs)
    assert [run.violations for run in runs] == [[]] * RUNS, lines
    # The seed sits off the ladder: the first run moves every rung.
    assert runs[0].statuses["modified"] == sum(runs[0].statuses.values()), lines
    # Every kind of change came up (the first runs draw each once) and was met as it should be.
    assert any(run.market.quiet for run in runs), lines
    assert any(run.market.moved and not run.market.fills for run in runs), lines
    assert any(run.market.fills and not run.market.moved for run in runs), lines
    # The draw filled orders partly and wholly (a changed seed must keep covering both).
    assert any(" all" in fill for run in runs for fill in run.market.fills), lines
    assert any(" all" not in fill for run in runs for fill in run.market.fills), lines
    assert any(run.statuses["not_open"] for run in runs), lines
