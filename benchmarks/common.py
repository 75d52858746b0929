"""What the benchmarks share: the summary rows, memory readings and workers (request-log figures: sandbox.request_figures)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Row:
    """One line of the closing summary: a figure beside its target or baseline."""

    benchmark: str
    figure: str
    value: str
    target: str = ""
    #: "met", "NOT MET", or "" when the figure has no target.
    verdict: str = ""


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def print_table(rows: Sequence[Row]) -> None:
    headers = ("benchmark", "figure", "value", "target / baseline", "")
    cells = [headers] + [(r.benchmark, r.figure, r.value, r.target, r.verdict) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))


def heading(title: str) -> None:
    print(f"\n=== {title} ===", flush=True)


def max_rss_mb() -> float:
    """This process's peak resident set since it started (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """This process's resident set now (Linux); samplers take the peak, see ``drive.RssSampler``."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


# -- workers in fresh processes --------------------------------------------------------------------
def run_worker(name: str, params: dict[str, Any], timeout: float = 1800) -> dict[str, Any]:
    """Run ``benchmarks.worker`` in a fresh interpreter, so memory readings start from a clean slate.

    The worker's own output (an operator logs one line per edit) is discarded; its answer comes
    back as JSON through a file.
    """
    with tempfile.TemporaryDirectory(prefix="batchmod-bench-") as tmp:
        answer = Path(tmp) / "answer.json"
        errors = Path(tmp) / "stderr.log"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        with errors.open("wb") as stderr:
            completed = subprocess.run(
                [sys.executable, "-m", "benchmarks.worker", name, json.dumps(params), str(answer)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=env,
                cwd=ROOT,
                timeout=timeout,
                check=False,
            )
        if completed.returncode != 0 or not answer.exists():
            tail = errors.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"worker {name} exited with {completed.returncode}:\n{tail}")
        result = json.loads(answer.read_text(encoding="utf-8"))
        assert isinstance(result, dict)
        return result
