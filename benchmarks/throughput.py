"""Throughput at the rate-limit ceiling, with 200 ms of latency on each exchange.

Drives ``BatchRun`` with the real clients after ``client.prepare()``, as the operator does,
with the operator's defaults (``chunk_size=20``, ``max_in_flight=8``) and, as the baseline,
one request at a time (``max_in_flight=1``). For Hyperliquid it also sweeps the batch size.

Ceilings (the sandbox enforces the real limits):

* Bitget: 10 batch requests/s per UID x 20 edits = 200 edits/s (2,000 edits per run).
* Hyperliquid: 1200 weight/min per IP = 20 weight/s, for everything the IP sends: a batch of
  n edits weighs 1 + n // 40, and planning's reads (``meta``, ``spotMeta``,
  ``frontendOpenOrders``: 20 each) weigh too. The figure judged is the weight per second the
  run used, reads included, against 20 (:mod:`benchmarks.weights`); modify throughput and the
  reads' share of the weight are reported beside it. Each run holds enough edits for
  :data:`HYPERLIQUID_WINDOWS` windows of 120 weight (6 s of the ceiling each), so the paced span
  covers several windows rather than one opening burst.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_batchmod.exchanges.base import ExchangeClient
from airflow_batchmod.run.engine import RunSettings
from airflow_batchmod.testing.request_figures import RequestFigures, limit_margin, request_figures
from airflow_batchmod.testing.sandbox import Sandbox, start_sandbox
from benchmarks.clients import bitget_client, hyperliquid_client
from benchmarks.common import Row, heading, verdict
from benchmarks.drive import RunFigures, drive
from benchmarks.seeds import bitget_edits, bitget_seed, hyperliquid_edits, hyperliquid_seed
from benchmarks.weights import WINDOW_WEIGHT, WeightFigures, weight_figures

EDITS = 2000
LATENCY_MS = 200
TARGET_RATIO = 0.90
BITGET_REQUESTS_PER_SECOND = 10
HYPERLIQUID_WEIGHT_PER_SECOND = 20  # 1200 / 60 s
HYPERLIQUID_BATCH_SIZES = (10, 20, 39)
#: Windows of WINDOW_WEIGHT each Hyperliquid run fills (about 6 s each at the ceiling).
HYPERLIQUID_WINDOWS = 5
#: What planning reads before the first modify today (meta, spotMeta, frontendOpenOrders).
PLANNING_WEIGHT = 60


def weight(batch: int) -> int:
    return 1 + batch // 40


def modify_ceiling(exchange: str, batch: int) -> float:
    """Edits per second the exchange's limit allows when nothing but modifies is sent."""
    if exchange == "bitget":
        return BITGET_REQUESTS_PER_SECOND * batch
    return HYPERLIQUID_WEIGHT_PER_SECOND / weight(batch) * batch


@dataclass(frozen=True)
class Case:
    exchange: str
    chunk_size: int
    max_in_flight: int
    edits: int = EDITS

    @property
    def name(self) -> str:
        return (
            f"{self.exchange} {self.edits} edits chunk={self.chunk_size} max_in_flight={self.max_in_flight}"
        )

    @property
    def window_limit(self) -> int:
        """Modify requests per 1 s at the modify-only ceiling (the request-log figures' yardstick)."""
        if self.exchange == "bitget":
            return BITGET_REQUESTS_PER_SECOND
        return HYPERLIQUID_WEIGHT_PER_SECOND // weight(self.chunk_size)


def hyperliquid_case(chunk: int, max_in_flight: int = 8) -> Case:
    """Enough edits to fill HYPERLIQUID_WINDOWS windows of weight, planning's reads included."""
    modifies = HYPERLIQUID_WINDOWS * WINDOW_WEIGHT - PLANNING_WEIGHT
    return Case("hyperliquid", chunk, max_in_flight, edits=modifies * chunk // weight(chunk))


@dataclass(frozen=True)
class Measured:
    case: Case
    run: RunFigures
    log: RequestFigures
    #: Hyperliquid only: every call's weight against the per-IP budget.
    weights: WeightFigures | None

    @property
    def ceiling(self) -> float:
        return modify_ceiling(self.case.exchange, self.case.chunk_size)

    @property
    def ratio(self) -> float | None:
        """The judged figure: Bitget's paced modify rate, Hyperliquid's paced weight rate, over the ceiling."""
        if self.weights is not None:
            return self.weights.ratio
        paced = self.log.paced_edits_per_second
        return None if paced is None else paced / self.ceiling

    @property
    def http_429(self) -> int:
        return self.weights.venue_429 if self.weights is not None else self.log.http_429


def _measure(sandbox: Sandbox, case: Case) -> Measured:
    if case.exchange == "bitget":
        seed: dict[str, Any] = bitget_seed(case.edits)
    else:
        seed = hyperliquid_seed(case.edits)
    sandbox.reset(seed)  # fresh orders, nonces and rate windows for every case
    sandbox.configure(latency_ms=LATENCY_MS)
    sandbox.clear_requests()
    make_client: Callable[[str, int], ExchangeClient]
    if case.exchange == "bitget":
        make_client, edits = bitget_client, bitget_edits(case.edits)
    else:
        make_client, edits = hyperliquid_client, hyperliquid_edits(case.edits)
    client = make_client(sandbox.url, case.max_in_flight)
    try:
        run = drive(client, edits, RunSettings(chunk_size=case.chunk_size, max_in_flight=case.max_in_flight))
    finally:
        client.close()
    entries = sandbox.requests()
    weights = weight_figures(entries) if case.exchange == "hyperliquid" else None
    measured = Measured(case, run, request_figures(entries, case.exchange, case.window_limit), weights)
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
        f"{log.modify_requests} modify requests, HTTP 429s: {m.http_429}"
        + (f" ({limit_margin(log, m.case.exchange, m.case.window_limit)})" if m.weights is None else "")
    )
    w = m.weights
    if w is None:
        print(
            f"    edits/s: paced {_fmt(log.paced_edits_per_second)} "
            f"({_fmt(log.paced_requests_per_second, '{:.2f}')} req/s), "
            f"end to end {run.edits_per_second:.1f} ({run.run_seconds:.2f} s); "
            f"ceiling {m.ceiling:.0f}; paced/ceiling {_fmt(m.ratio, '{:.3f}')}, "
            f"end-to-end/ceiling {run.edits_per_second / m.ceiling:.3f}"
        )
    else:
        print(
            f"    weight: {w.total_weight} = modifies {w.modify_weight} + reads {w.read_weight} "
            f"({w.describe_reads()}); peak in any 60 s {w.peak_weight_per_minute}/1200"
        )
        print(
            f"    paced over {_fmt(w.paced_seconds, '{:.2f}')} s: {_fmt(w.paced_weight_per_second, '{:.2f}')} "
            f"weight/s of {HYPERLIQUID_WEIGHT_PER_SECOND} = {_fmt(m.ratio, '{:.3f}')} of the weight ceiling; "
            f"modifies {_fmt(w.paced_edits_per_second)} edits/s (modify-only ceiling {m.ceiling:.0f}), "
            f"reads {_fmt(w.paced_read_share, '{:.1%}')} of the weight; "
            f"end to end {run.edits_per_second:.1f} edits/s ({run.run_seconds:.2f} s)"
        )
    print(
        f"    CPU per edit: {run.cpu_ms_per_edit:.3f} ms "
        f"(prepare {run.prepare_cpu_seconds * 1000 / run.edits:.3f} ms, "
        f"send+settle {run.run_cpu_seconds * 1000 / run.edits:.3f} ms); prepare took {run.prepare_seconds:.2f} s"
    )


def _ratio_row(name: str, m: Measured, base: Measured | None = None) -> Row:
    ratio = m.ratio
    ok = ratio is not None and ratio >= TARGET_RATIO and m.http_429 == 0
    target = f">= {TARGET_RATIO:.2f}, 0 x 429"
    if base is not None:
        target += f"; 1-at-a-time {_fmt(base.ratio, '{:.3f}')}"
        if base.weights is not None:
            # Its few modifies leave planning's reads most of its weight: the edits/s tell more.
            target += f" ({_fmt(base.weights.paced_edits_per_second, '{:.0f}')} edits/s)"
    w = m.weights
    if w is None:
        value = f"{_fmt(ratio, '{:.3f}')} ({_fmt(m.log.paced_edits_per_second, '{:.0f}')}/{m.ceiling:.0f} edits/s)"
    else:
        value = (
            f"{_fmt(ratio, '{:.3f}')} ({_fmt(w.paced_weight_per_second, '{:.1f}')}/20 weight/s; "
            f"{_fmt(w.paced_edits_per_second, '{:.0f}')} edits/s, reads {_fmt(w.paced_read_share, '{:.0%}')} "
            f"of weight)"
        )
    return Row("throughput", name, f"{value}, {m.http_429} x 429", target, verdict(ok))


def run(full: bool = False) -> list[Row]:
    heading(f"Throughput: {LATENCY_MS} ms injected latency, real rate limits")
    print(
        "  Bitget: paced = edits/s between the first modify's arrival and the one a whole number of 1 s\n"
        "  windows later. Hyperliquid: paced = all weight (modifies and reads) per second between the\n"
        f"  first call and the one that starts the last whole {WINDOW_WEIGHT}-weight window, against\n"
        "  1200 weight/min; end to end = edits / (first send .. last answer)."
    )
    with start_sandbox(bitget_seed(EDITS)) as sandbox:
        bitget = _measure(sandbox, Case("bitget", 20, 8))
        bitget_base = _measure(sandbox, Case("bitget", 20, 1))
        sweep = {n: _measure(sandbox, hyperliquid_case(n)) for n in HYPERLIQUID_BATCH_SIZES}
        hl_base = _measure(sandbox, Case("hyperliquid", 20, 1))
    _print_sweep(sweep)
    return _rows(bitget, bitget_base, sweep, hl_base)


def _print_sweep(sweep: dict[int, Measured]) -> None:
    """The Hyperliquid batch sizes side by side, and how much of the budget the pacing left unused."""
    print("\n  Hyperliquid batch-size sweep (max_in_flight=8), reads counted:")
    print("    batch  edits  weight  reads  of weight ceiling  paced edits/s  modify-only ceiling  429s")
    for n, m in sweep.items():
        w = m.weights
        assert w is not None
        print(
            f"    {n:>5}  {m.case.edits:>5}  {w.total_weight:>6}  {w.read_weight:>5}  "
            f"{_fmt(m.ratio, '{:.3f}'):>17}  {_fmt(w.paced_edits_per_second):>13}  {m.ceiling:>19.0f}  {m.http_429:>4}"
        )
    print(
        "    (79 edits would weigh 2: 39.5 edits/weight, 790 edits/s; the client caps a batch at 39,\n"
        "     since a lost response then leaves at most 39 edits to look up.)"
    )
    worst = min(sweep.values(), key=lambda m: m.ratio if m.ratio is not None else 0.0)
    left = 1 - (worst.ratio or 0.0)
    print(
        f"    the client's pacing leaves {left:.1%} of the weight budget unused at worst "
        f"(chunk {worst.case.chunk_size})" + ("; more than 10 %: see the pacing" if left > 0.10 else "")
    )


def _rows(
    bitget: Measured, bitget_base: Measured, sweep: dict[int, Measured], hl_base: Measured
) -> list[Row]:
    """The summary rows: each default run beside its one-at-a-time baseline, and the best batch size."""
    best = max(sweep, key=lambda n: n / weight(n))
    rows = [
        _ratio_row("bitget of ceiling (chunk 20)", bitget, bitget_base),
        _ratio_row("hyperliquid of weight ceiling (chunk 20, default)", sweep[20], hl_base),
        _ratio_row(f"hyperliquid of weight ceiling (chunk {best}, best)", sweep[best]),
    ]
    rows += [_modifies_row(n, sweep[n]) for n in (20, best)]
    rows.append(_cpu_row("bitget CPU per edit", bitget, bitget_base))
    rows.append(_cpu_row("hyperliquid CPU per edit (chunk 20)", sweep[20], hl_base))
    return rows


def _modifies_row(chunk: int, m: Measured) -> Row:
    w = m.weights
    assert w is not None
    return Row(
        "throughput",
        f"hyperliquid modifies, chunk {chunk}",
        f"{_fmt(w.paced_edits_per_second, '{:.0f}')} edits/s; reads {w.read_weight} of "
        f"{w.total_weight} weight ({w.read_share:.0%})",
        f"modify-only ceiling {m.ceiling:.0f} edits/s",
    )


def _cpu_row(name: str, m: Measured, base: Measured) -> Row:
    return Row(
        "throughput",
        name,
        f"{m.run.cpu_ms_per_edit:.3f} ms",
        f"1-at-a-time {base.run.cpu_ms_per_edit:.3f} ms",
    )
