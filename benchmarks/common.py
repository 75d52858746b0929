"""What the benchmarks share: the summary rows, memory readings, request-log figures, workers."""

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


# -- the sandbox's request log -------------------------------------------------------------------
#: Hyperliquid's limit: 1200 weight per IP in any 60 s; a batch of n modifies weighs 1 + n // 40.
HYPERLIQUID_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class RequestFigures:
    modify_requests: int
    http_429: int
    #: Edits per second between the first modify's arrival and the one a whole number of
    #: rate windows later: the rate the pacing sustains, without the opening burst and the tail.
    paced_edits_per_second: float | None
    paced_requests_per_second: float | None
    #: The shortest time in which ``window_limit + 1`` accepted modifies arrived. Bitget refuses
    #: the last of them when this is under its 1 s window; the gap above 1 s is the margin left.
    tightest_span: float | None
    #: The most modify weight that arrived in any 60 s (Hyperliquid allows 1200).
    peak_weight_per_minute: int


def request_figures(entries: list[dict[str, Any]], venue: str, window_limit: int) -> RequestFigures:
    """Read the sandbox's log of one run (arrival times, stamped by the sandbox).

    A sliding window of ``window_limit`` requests per window lets request ``k`` and request
    ``k + m * window_limit`` arrive no less than ``m`` windows apart, so that span is the fair
    yardstick of the sustained rate; a plain count over the run flatters short runs (the first
    window is a burst).
    """
    modifies = sorted(
        (e for e in entries if e["venue"] == venue and e["endpoint"] == "modify"), key=lambda e: e["t"]
    )
    http_429 = sum(1 for e in entries if e["status"] == 429)
    accepted = [e for e in modifies if e["status"] != 429]
    spans = [b["t"] - a["t"] for a, b in zip(accepted, accepted[window_limit:], strict=False)]
    peak_weight = _peak_weight(accepted, HYPERLIQUID_WINDOW_SECONDS)
    windows = (len(modifies) - 1) // window_limit
    last = windows * window_limit
    span = modifies[last]["t"] - modifies[0]["t"] if windows >= 1 else 0.0
    if span <= 0:
        return RequestFigures(len(modifies), http_429, None, None, min(spans, default=None), peak_weight)
    edits = sum(e["items"] for e in modifies[:last])
    return RequestFigures(
        len(modifies), http_429, edits / span, last / span, min(spans, default=None), peak_weight
    )


def _peak_weight(modifies: list[dict[str, Any]], window: float) -> int:
    peak = used = start = 0
    for entry in modifies:
        used += 1 + entry["items"] // 40
        while entry["t"] - modifies[start]["t"] >= window:
            used -= 1 + modifies[start]["items"] // 40
            start += 1
        peak = max(peak, used)
    return peak


def limit_margin(log: RequestFigures, venue: str, window_limit: int) -> str:
    """How close the arrivals came to the exchange's limit, in the exchange's own terms."""
    if venue == "hyperliquid":
        return f"peak weight in any 60 s {log.peak_weight_per_minute}/1200"
    if log.tightest_span is None:
        return f"fewer than {window_limit + 1} requests"
    return f"closest {window_limit + 1} arrivals {log.tightest_span:.3f} s apart (Bitget needs >= 1 s)"


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
