"""Throughput at the rate-limit ceiling: 2,000 edits with 200 ms of latency on each exchange.

Drives ``BatchRun`` with the real clients after ``client.prepare()``, as the operator does,
with the operator's defaults (``chunk_size=20``, ``max_in_flight=8``) and, as the baseline,
one request at a time (``max_in_flight=1``). For Hyperliquid it also sweeps the batch size.

Ceilings (the sandbox enforces the real limits):

* Bitget: 10 batch requests/s per UID x 20 edits = 200 edits/s.
* Hyperliquid: 1200 weight/min per IP = 20 weight/s; a batch of n edits weighs 1 + n // 40,
  so the ceiling is 20 / (1 + n // 40) requests/s x n edits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_batchmod.exchanges.base import ExchangeClient
from airflow_batchmod.operators.engine import RunSettings
from airflow_batchmod.sandbox.request_figures import RequestFigures, limit_margin, request_figures
from airflow_batchmod.sandbox.testing import Sandbox, start_sandbox
from benchmarks.clients import bitget_client, hyperliquid_client
from benchmarks.common import Row, heading, verdict
from benchmarks.drive import RunFigures, drive
from benchmarks.seeds import bitget_edits, bitget_seed, hyperliquid_edits, hyperliquid_seed

EDITS = 2000
LATENCY_MS = 200
TARGET_RATIO = 0.90
BITGET_REQUESTS_PER_SECOND = 10
HYPERLIQUID_WEIGHT_PER_SECOND = 20  # 1200 / 60 s
HYPERLIQUID_BATCH_SIZES = (10, 20, 39)


def weight(batch: int) -> int:
    return 1 + batch // 40


def ceiling(exchange: str, batch: int) -> float:
    """Edits per second the exchange's limit allows at a steady state."""
    if exchange == "bitget":
        return BITGET_REQUESTS_PER_SECOND * batch
    return HYPERLIQUID_WEIGHT_PER_SECOND / weight(batch) * batch


@dataclass(frozen=True)
class Case:
    exchange: str
    chunk_size: int
    max_in_flight: int

    @property
    def name(self) -> str:
        return f"{self.exchange} chunk={self.chunk_size} max_in_flight={self.max_in_flight}"

    @property
    def window_limit(self) -> int:
        """Requests per 1 s at the ceiling: Hyperliquid's 20 weight/s over each request's weight."""
        if self.exchange == "bitget":
            return BITGET_REQUESTS_PER_SECOND
        return HYPERLIQUID_WEIGHT_PER_SECOND // weight(self.chunk_size)


@dataclass(frozen=True)
class Measured:
    case: Case
    run: RunFigures
    log: RequestFigures

    @property
    def ceiling(self) -> float:
        return ceiling(self.case.exchange, self.case.chunk_size)

    @property
    def paced_ratio(self) -> float | None:
        paced = self.log.paced_edits_per_second
        return None if paced is None else paced / self.ceiling


def _measure(sandbox: Sandbox, seed: dict[str, Any], case: Case) -> Measured:
    sandbox.reset(seed)  # fresh orders, nonces and rate windows for every case
    sandbox.configure(latency_ms=LATENCY_MS)
    sandbox.clear_requests()
    make_client: Callable[[str, int], ExchangeClient]
    if case.exchange == "bitget":
        make_client, edits = bitget_client, bitget_edits(EDITS)
    else:
        make_client, edits = hyperliquid_client, hyperliquid_edits(EDITS)
    client = make_client(sandbox.url, case.max_in_flight)
    try:
        run = drive(client, edits, RunSettings(chunk_size=case.chunk_size, max_in_flight=case.max_in_flight))
    finally:
        client.close()
    measured = Measured(case, run, request_figures(sandbox.requests(), case.exchange, case.window_limit))
    _print(measured)
    return measured


def _fmt(value: float | None, pattern: str = "{:.1f}") -> str:
    return "n/a" if value is None else pattern.format(value)


def _print(m: Measured) -> None:
    run, log = m.run, m.log
    not_modified = {k: v for k, v in run.statuses.items() if k != "modified"}
    print(f"  {m.case.name}:")
    print(
        f"    {run.modified}/{run.edits} modified{' ' + str(not_modified) if not_modified else ''}, "
        f"{log.modify_requests} modify requests, HTTP 429s: {log.http_429} "
        f"({limit_margin(log, m.case.exchange, m.case.window_limit)})"
    )
    print(
        f"    edits/s: paced {_fmt(log.paced_edits_per_second)} "
        f"({_fmt(log.paced_requests_per_second, '{:.2f}')} req/s), "
        f"end to end {run.edits_per_second:.1f} ({run.run_seconds:.2f} s); "
        f"ceiling {m.ceiling:.0f}; paced/ceiling {_fmt(m.paced_ratio, '{:.3f}')}, "
        f"end-to-end/ceiling {run.edits_per_second / m.ceiling:.3f}"
    )
    print(
        f"    CPU per edit: {run.cpu_ms_per_edit:.3f} ms "
        f"(prepare {run.prepare_cpu_seconds * 1000 / run.edits:.3f} ms, "
        f"send+settle {run.run_cpu_seconds * 1000 / run.edits:.3f} ms); prepare took {run.prepare_seconds:.2f} s"
    )


def run(full: bool = False) -> list[Row]:
    heading(f"Throughput: {EDITS} edits per run, {LATENCY_MS} ms injected latency, real rate limits")
    print(
        "  paced = edits/s between the first modify's arrival and the one a whole number of rate windows\n"
        "  later (the sustained rate); end to end = edits / (first send .. last answer), which the opening\n"
        "  burst of a sliding window flatters and the last request's latency penalises."
    )
    seed = {**bitget_seed(EDITS), **hyperliquid_seed(EDITS)}
    rows: list[Row] = []
    with start_sandbox(seed) as sandbox:
        bitget = _measure(sandbox, seed, Case("bitget", 20, 8))
        bitget_base = _measure(sandbox, seed, Case("bitget", 20, 1))
        sweep = {n: _measure(sandbox, seed, Case("hyperliquid", n, 8)) for n in HYPERLIQUID_BATCH_SIZES}
        hl_base = _measure(sandbox, seed, Case("hyperliquid", 20, 1))

    print("\n  Hyperliquid batch-size sweep (max_in_flight=8):")
    print("    batch  weight  edits/weight  ceiling edits/s  paced edits/s  paced/ceiling  429s")
    for n, m in sweep.items():
        print(
            f"    {n:>5}  {weight(n):>6}  {n / weight(n):>12.1f}  {m.ceiling:>15.0f}  "
            f"{_fmt(m.log.paced_edits_per_second):>13}  {_fmt(m.paced_ratio, '{:.3f}'):>13}  {m.log.http_429:>4}"
        )
    print(
        "    (79 edits would weigh 2: 39.5 edits/weight, 790 edits/s; the client caps a batch at 39,\n"
        "     since a lost response then leaves at most 39 edits to look up.)"
    )
    best = max(sweep, key=lambda n: n / weight(n))
    print(f"    most edits per unit of weight: batch {best} ({best / weight(best):.0f} edits/weight)")

    def ratio_row(name: str, m: Measured, base: Measured | None = None) -> Row:
        ratio = m.paced_ratio
        ok = ratio is not None and ratio >= TARGET_RATIO and m.log.http_429 == 0
        target = f">= {TARGET_RATIO:.2f}, 0 x 429"
        if base is not None:
            target += f"; 1-at-a-time {_fmt(base.paced_ratio, '{:.3f}')}"
        return Row(
            "throughput",
            name,
            f"{_fmt(ratio, '{:.3f}')} ({_fmt(m.log.paced_edits_per_second, '{:.0f}')}/{m.ceiling:.0f} edits/s), "
            f"{m.log.http_429} x 429",
            target,
            verdict(ok),
        )

    rows.append(ratio_row("bitget of ceiling (chunk 20)", bitget, bitget_base))
    rows.append(ratio_row("hyperliquid of ceiling (chunk 20, default)", sweep[20], hl_base))
    rows.append(ratio_row(f"hyperliquid of ceiling (chunk {best}, best)", sweep[best]))
    rows.append(
        Row(
            "throughput",
            "bitget CPU per edit",
            f"{bitget.run.cpu_ms_per_edit:.3f} ms",
            f"1-at-a-time {bitget_base.run.cpu_ms_per_edit:.3f} ms",
        )
    )
    rows.append(
        Row(
            "throughput",
            "hyperliquid CPU per edit (chunk 20)",
            f"{sweep[20].run.cpu_ms_per_edit:.3f} ms",
            f"1-at-a-time {hl_base.run.cpu_ms_per_edit:.3f} ms",
        )
    )
    return rows
