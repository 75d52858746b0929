"""Scaling: 200, 2,000 and 20,000 edits with no injected latency, each size in a fresh process.

No latency, so what is left is our own overhead plus the rate limit, which still applies: the
wall time is bound by the limiter, and CPU time per edit is the figure that shows our overhead.
Linearity shows in the marginal figures between sizes: (cost(big) - cost(small)) / (big - small).

Hyperliquid with chunk 39 by default (20 requests/s x 39 = 780 edits/s, so 20,000 edits take
~26 s); ``--full`` adds Bitget with chunk 20 (200 edits/s, ~100 s for 20,000 edits).
"""

from __future__ import annotations

import itertools
from typing import Any

from airflow_batchmod.testing.request_figures import limit_margin, request_figures
from airflow_batchmod.testing.sandbox import start_sandbox
from benchmarks.common import Row, heading, run_worker
from benchmarks.weights import weight_figures

SIZES = (200, 2_000, 20_000)
CHUNK = {"hyperliquid": 39, "bitget": 20}
WINDOW_LIMIT = {"hyperliquid": 20, "bitget": 10}
#: Edits per second the exchange's limit allows with those chunks (see benchmarks/throughput.py).
CEILING = {"hyperliquid": 780, "bitget": 200}


def _seed(exchange: str, orders: int) -> dict[str, Any]:
    from benchmarks.seeds import bitget_seed, hyperliquid_seed

    return bitget_seed(orders) if exchange == "bitget" else hyperliquid_seed(orders)


def worker(params: dict[str, Any]) -> dict[str, Any]:
    """In a fresh process: apply ``edits`` edits, measuring time, CPU and RSS."""
    from airflow_batchmod.run.engine import RunSettings
    from benchmarks.clients import bitget_client, hyperliquid_client
    from benchmarks.common import current_rss_mb
    from benchmarks.drive import RssSampler, drive
    from benchmarks.seeds import bitget_edits, hyperliquid_edits

    exchange, count, url = params["exchange"], int(params["edits"]), params["url"]
    client = bitget_client(url, 8) if exchange == "bitget" else hyperliquid_client(url, 8)
    with RssSampler() as rss:
        edits = bitget_edits(count) if exchange == "bitget" else hyperliquid_edits(count)
        input_mb = current_rss_mb() - rss.baseline_mb
        figures = drive(client, edits, RunSettings(chunk_size=CHUNK[exchange], max_in_flight=8))
    client.close()
    return {
        "edits": figures.edits,
        "statuses": figures.statuses,
        "prepare_seconds": figures.prepare_seconds,
        "run_seconds": figures.run_seconds,
        "cpu_seconds": figures.prepare_cpu_seconds + figures.run_cpu_seconds,
        "prepare_cpu_seconds": figures.prepare_cpu_seconds,
        "input_mb": input_mb,
        "growth_mb": rss.growth_mb,
    }


def _measure_exchange(exchange: str, sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    results = []
    with start_sandbox(_seed(exchange, sizes[0])) as sandbox:
        for size in sizes:
            sandbox.reset(_seed(exchange, size))  # exactly `size` open orders; fresh rate windows
            sandbox.clear_requests()
            result = run_worker("scaling", {"exchange": exchange, "edits": size, "url": sandbox.url})
            entries = sandbox.requests()
            log = request_figures(entries, exchange, WINDOW_LIMIT[exchange])
            result["http_429"] = log.http_429
            if exchange == "hyperliquid":
                # The venue counts reads too: the margin is all weight, not the modifies' alone.
                peak = weight_figures(entries).peak_weight_per_minute
                result["margin"] = f"peak weight in any 60 s, reads included, {peak}/1200"
            else:
                result["margin"] = limit_margin(log, exchange, WINDOW_LIMIT[exchange])
            result["paced"] = log.paced_edits_per_second
            results.append(result)
            _print(exchange, result)
    return results


def _print(exchange: str, r: dict[str, Any]) -> None:
    n = r["edits"]
    wall = r["prepare_seconds"] + r["run_seconds"]
    not_modified = {k: v for k, v in r["statuses"].items() if k != "modified"}
    paced = "n/a (one burst)" if r["paced"] is None else f"{r['paced']:.0f} edits/s"
    print(
        f"  {exchange} {n:>6} edits: wall {wall:7.2f} s ({wall * 1000 / n:.3f} ms/edit; prepare "
        f"{r['prepare_seconds']:.2f} s, paced {paced}), CPU {r['cpu_seconds']:6.2f} s "
        f"({r['cpu_seconds'] * 1000 / n:.3f} ms/edit), peak RSS growth {r['growth_mb']:6.1f} MB "
        f"({r['growth_mb'] * 1024 / n:.2f} KB/edit; input list {r['input_mb']:.1f} MB), "
        f"429s {r['http_429']} ({r['margin']}){' ' + str(not_modified) if not_modified else ''}",
        flush=True,
    )


def _marginals(exchange: str, results: list[dict[str, Any]]) -> list[Row]:
    rows = []
    print(f"  {exchange} marginal cost per added edit (linear if steady across sizes):")
    for small, big in itertools.pairwise(results):
        added = big["edits"] - small["edits"]
        cpu = (big["cpu_seconds"] - small["cpu_seconds"]) * 1000 / added
        memory = (big["growth_mb"] - small["growth_mb"]) * 1024 / added
        print(f"    {small['edits']} -> {big['edits']}: CPU {cpu:.3f} ms/edit, RSS {memory:.2f} KB/edit")
        rows.append(
            Row(
                "scaling",
                f"{exchange} {small['edits']}->{big['edits']} marginal",
                f"CPU {cpu:.3f} ms/edit, RSS {memory:.2f} KB/edit",
                "steady across sizes = linear",
            )
        )
    largest = results[-1]
    n = largest["edits"]
    rows.append(
        Row(
            "scaling",
            f"{exchange} {n} edits",
            f"{largest['prepare_seconds'] + largest['run_seconds']:.1f} s, "
            f"peak RSS +{largest['growth_mb']:.0f} MB, {largest['http_429']} x 429",
            f"rate-limit bound ~{n / CEILING[exchange]:.1f} s",
        )
    )
    return rows


def run(full: bool = False) -> list[Row]:
    exchanges = ("hyperliquid", "bitget") if full else ("hyperliquid",)
    heading(
        f"Scaling: {', '.join(f'{s:,}' for s in SIZES)} edits, no injected latency, rate limits on "
        f"({' and '.join(f'{e} chunk {CHUNK[e]}' for e in exchanges)}; each size in a fresh process)"
    )
    rows: list[Row] = []
    for exchange in exchanges:
        results = _measure_exchange(exchange, SIZES)
        rows += _marginals(exchange, results)
    return rows
