"""``python -m tests.support.soak_cli [--rounds N] [--seed S] [--schedule --runs N]``: long soaks.

Runs the rounds of ``tests/integration/test_fault_soak.py`` (``tests.support.soak``), many more of them:
each round resets a sandbox to the default seed, installs random fault rules, runs the
operator on a random set of edits and checks ``tests.support.invariants`` against the sandbox state.
Prints one line per round, then the rounds run, the edits and their statuses, the faults
injected by type and every invariant violation. Exits 1 when any round broke the invariant.

``--late-apply`` also lets latency spikes hold a request inside the exchange beyond the
operator's read timeout, so that it is applied after the client gave up (a known gap; see the
late-apply tests): the violations it finds are the figure to watch.

``--schedule`` runs the ladder DAG as a schedule instead (``tests.support.schedule_soak``):
``--runs`` ``airflow dags test`` runs in a row per venue on one sandbox book, the mid moving or
not and random orders filling between runs. Prints one line per run, then the runs and orders
per venue and every invariant violation. About 10 s per run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from airflow_batchmod.testing.dags import airflow_env, migrate_db, sandbox_connections
from airflow_batchmod.testing.sandbox import DEFAULT_SEED, start_sandbox
from tests.support.schedule_soak import (
    DAGS_FOLDER,
    VENUES,
    ScheduledRun,
    ladder_plans,
    run_line,
    run_schedule,
)
from tests.support.soak import EXCHANGES, RoundOutcome, soak_round


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """The operator logs a line per edit to stdout; a soak of thousands of edits prints rounds instead."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def round_line(number: int, outcome: RoundOutcome) -> str:
    faults = ", ".join(f"{k}={v}" for k, v in sorted(outcome.injected.items())) or "none"
    statuses = ", ".join(f"{k}={v}" for k, v in sorted(outcome.statuses.items()))
    verdict = f"{len(outcome.violations)} VIOLATIONS" if outcome.violations else "ok"
    return (
        f"{number:4d} {outcome.plan.exchange:<11} {len(outcome.plan.edits):3d} edits "
        f"[{statuses}] faults [{faults}] {outcome.seconds:5.2f}s {verdict}"
    )


def summary(outcomes: list[RoundOutcome], seconds: float, out: TextIO) -> None:
    def line(text: str = "") -> None:
        print(text, file=out)

    line()
    line("=== Soak summary ===")
    for exchange in EXCHANGES:
        mine = [o for o in outcomes if o.plan.exchange == exchange]
        if not mine:
            continue
        statuses = sum((o.statuses for o in mine), Counter[str]())
        injected = sum((o.injected for o in mine), Counter[str]())
        failed_tasks = sum(1 for o in mine if o.error)
        line(f"{exchange}:")
        line(f"  rounds run          {len(mine)} ({failed_tasks} ended with the task failing, as reported)")
        line(f"  edits               {sum(len(o.plan.edits) for o in mine)}")
        line(f"  statuses            {dict(sorted(statuses.items()))}")
        line(f"  faults injected     {sum(injected.values())}")
        for label, count in sorted(injected.items()):
            line(f"    {label:<36} {count}")
        line(f"  rounds with violations  {sum(1 for o in mine if o.violations)}")
    violations = [(n, v) for n, o in enumerate(outcomes) if o.violations for v in o.violations]
    line(f"invariant violations  {len(violations)}")
    for number, violation in violations[:50]:
        line(f"  round {number}: {violation}")
    line(f"wall time             {seconds:.1f} s")


def schedule_summary(runs: list[ScheduledRun], seconds: float, out: TextIO) -> None:
    def line(text: str = "") -> None:
        print(text, file=out)

    plans = ladder_plans()
    line()
    line("=== Schedule soak summary ===")
    for venue in VENUES:
        mine = [run for run in runs if run.venue == venue]
        if not mine:
            continue
        statuses = sum((run.statuses for run in mine), Counter[str]())
        line(f"{venue}:")
        line(f"  runs                {len(mine)} ({sum(1 for run in mine if run.market.quiet)} quiet)")
        line(f"  orders              {len(plans.load_ladder(venue)['rungs'])} ladder orders")
        line(f"  statuses            {dict(sorted(statuses.items()))}")
        line(f"  modify requests     {sum(run.modify_requests for run in mine)}")
        line(f"  fills between runs  {sum(len(run.market.fills) for run in mine)}")
        line(f"  runs with violations  {sum(1 for run in mine if run.violations)}")
    violations = [(run.venue, run.number, v) for run in runs for v in run.violations]
    line(f"invariant violations  {len(violations)}")
    for venue, number, violation in violations[:50]:
        line(f"  {venue} run {number}: {violation}")
    line(f"wall time             {seconds:.1f} s")


def schedule_main(runs: int, seed: int, venues: tuple[str, ...]) -> int:
    print(
        f"Schedule soak: {runs} runs of the ladder DAG per venue on {', '.join(venues)}, seed {seed}",
        flush=True,
    )
    started = time.monotonic()
    outcomes: list[ScheduledRun] = []
    with (
        tempfile.TemporaryDirectory(prefix="batchmod-schedule-soak-") as scratch,
        start_sandbox(DEFAULT_SEED) as sandbox,
    ):
        home = Path(scratch)
        env = airflow_env(
            home,
            DAGS_FOLDER,
            sandbox_connections(sandbox.url),
            database_url=f"sqlite:///{home / 'metadata.db'}",
        )
        migrate_db(env)
        for venue in venues:

            def report(run: ScheduledRun) -> None:
                print(run_line(run), flush=True)
                outcomes.append(run)

            run_schedule(sandbox, env, venue, runs, random.Random(f"{seed}-{venue}"), on_run=report)
    schedule_summary(outcomes, time.monotonic() - started, sys.stdout)
    return 1 if any(run.violations for run in outcomes) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.soak_cli", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=50, help="rounds per exchange (default 50)")
    parser.add_argument(
        "--seed", type=int, default=20261121, help="seed of the round plans (default 20261121)"
    )
    parser.add_argument("--exchange", choices=[*EXCHANGES, "both"], default="both")
    parser.add_argument(
        "--late-apply", action="store_true", help="also hold requests in the exchange past the read timeout"
    )
    parser.add_argument("--schedule", action="store_true", help="run the ladder DAG as a schedule instead")
    parser.add_argument(
        "--runs", type=int, default=30, help="with --schedule: DAG runs per venue (default 30)"
    )
    args = parser.parse_args(argv)
    exchanges = EXCHANGES if args.exchange == "both" else (args.exchange,)
    if args.schedule:
        return schedule_main(args.runs, args.seed, exchanges)
    print(
        f"Soak: {args.rounds} rounds per exchange on {', '.join(exchanges)}, seed {args.seed}"
        + (", late apply on" if args.late_apply else ""),
        flush=True,
    )
    started = time.monotonic()
    outcomes: list[RoundOutcome] = []
    with start_sandbox(DEFAULT_SEED) as sandbox:
        for conn_id, conn in sandbox_connections(sandbox.url).items():
            os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(conn)
        rngs = {exchange: random.Random(f"{args.seed}-{exchange}") for exchange in exchanges}
        for _ in range(args.rounds):
            for exchange in exchanges:
                with silenced():
                    outcome = soak_round(sandbox, rngs[exchange], exchange, late_apply=args.late_apply)
                outcomes.append(outcome)
                print(round_line(len(outcomes) - 1, outcome), flush=True)
    summary(outcomes, time.monotonic() - started, sys.stdout)
    return 1 if any(o.violations for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
