"""``python -m benchmarks [NAME ...] [--full]``: run the benchmarks and print every figure.

Names: imports, throughput, budget (the 20,000-edit Hyperliquid budget soak), reads (planning
and reconciliation read cost), scheduled_run (the weight of one 20-rung Hyperliquid ladder
run, by read), scaling, memory (the default set, in that order) and soak (the
fault soak with its invariant, only when named). Each benchmark starts its own sandbox process with the real rate limits. The
figures are printed, never asserted; a closing table puts each beside its target or baseline,
and the same rows are written to ``benchmarks/results/latest.json``.

``soak --schedule --runs N`` soaks the ladder DAG as a schedule instead: N ``airflow dags test``
runs per venue (about 10 s each).

``--full`` adds Bitget to the scaling run (about 2 more minutes). ``--memory-edits N`` runs the
memory benchmark with N edits instead of 100,000 (about 2.5 minutes; the whole default run about
8.5 minutes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from benchmarks.common import ROOT, Row, heading, print_table

DEFAULT = ("imports", "throughput", "budget", "reads", "scheduled_run", "scaling", "memory")
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def _runner(name: str, args: argparse.Namespace) -> Callable[[], list[Row]]:
    if name == "imports":
        from benchmarks import imports

        return lambda: imports.run(args.full)
    if name == "throughput":
        from benchmarks import throughput

        return lambda: throughput.run(args.full)
    if name == "budget":
        from benchmarks import budget_soak

        return lambda: budget_soak.run(args.full)
    if name == "reads":
        from benchmarks import reads

        return lambda: reads.run(args.full)
    if name == "scheduled_run":
        from benchmarks import scheduled_run

        return scheduled_run.run
    if name == "scaling":
        from benchmarks import scaling

        return lambda: scaling.run(args.full)
    if name == "memory":
        from benchmarks import memory

        return lambda: memory.run(args.full, edits=args.memory_edits)
    return lambda: _soak(args)


def _soak(args: argparse.Namespace) -> list[Row]:
    """The soak is a long test: its rounds and invariant live with the tests, which run it alone.

    It runs as a separate process, so the benchmarks import nothing from ``tests``.
    """
    heading("Soak (tests.support.soak_cli)")
    if not (ROOT / "tests" / "support" / "soak_cli.py").exists():
        print("  tests/support/soak_cli.py is not there; skipped")
        return [Row("soak", "run", "skipped: no tests/support/soak_cli.py")]
    command = [sys.executable, "-m", "tests.support.soak_cli"]
    command += ["--schedule", "--runs", str(args.runs)] if args.schedule else []
    code = subprocess.run(command, cwd=ROOT, check=False).returncode
    return [Row("soak", "exit code", str(code), "0")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help=f"of {', '.join([*DEFAULT, 'soak'])}; default: all but soak")
    parser.add_argument("--full", action="store_true", help="also scale Bitget to 20,000 edits")
    parser.add_argument("--memory-edits", type=int, default=None, help="edits for the memory run")
    parser.add_argument("--schedule", action="store_true", help="soak: run the ladder DAG as a schedule")
    parser.add_argument("--runs", type=int, default=30, help="soak --schedule: DAG runs per venue")
    args = parser.parse_args(argv)
    names = args.names or list(DEFAULT)
    unknown = sorted(set(names) - {*DEFAULT, "soak"})
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {[*DEFAULT, 'soak']}")

    started = time.perf_counter()
    rows: list[Row] = []
    failed: list[str] = []
    for name in names:
        began = time.perf_counter()
        try:
            rows += _runner(name, args)()
        except Exception:
            traceback.print_exc()
            failed.append(name)
            rows.append(Row(name, "run", "FAILED (traceback above)"))
        print(f"  ({name}: {time.perf_counter() - began:.0f} s)", flush=True)

    heading(f"Summary ({time.perf_counter() - started:.0f} s)")
    print_table(rows)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps([asdict(row) for row in rows], indent=1), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
