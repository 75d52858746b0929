"""Memory: many edits through ``BatchModifyOrdersOperator.execute()``, in a fresh process.

The operator runs as in a task: an env-var connection to the sandbox, a task instance that
takes XComs, and a ``task_state_store`` (a ``MemoryStore``, so the checkpoint journal lives in
this process; a real store keeps it in the metadata database, so the figure is pessimistic).

Hyperliquid with ``chunk_size=39`` (the client's maximum, the setting a user applying this
many edits picks): 20 requests/s x 39 = 780 edits/s, about 130 s for 100,000 edits. Bitget
would need 500 s (200 edits/s), so it is not used here.

Above ``inline_report_limit`` (2,000) entries the full report goes to ``report_path`` through
Airflow's ObjectStoragePath, and XCom keeps totals, failures and the file's location. Five of
the edits name orders that do not exist, so there are failures to keep; ``fail_on="unknown"``
lets the task succeed with them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_batchmod.testing.dags import sandbox_connections
from airflow_batchmod.testing.request_figures import request_figures
from airflow_batchmod.testing.sandbox import start_sandbox
from airflow_batchmod.testing.task_instance import FakeTaskInstance
from benchmarks.common import Row, current_rss_mb, heading, max_rss_mb, run_worker, verdict
from benchmarks.seeds import hyperliquid_edits, hyperliquid_seed
from benchmarks.weights import weight_figures

if TYPE_CHECKING:
    # worker() imports drive itself, with the other modules its run needs; here for the annotation only.
    from benchmarks.drive import RssSampler

FULL_EDITS = 100_000
TARGET_GROWTH_MB = 300
CHUNK = 39
#: Edits aimed at orders that do not exist, so XCom has failures to keep; with
#: ``fail_on="unknown"`` their rejection does not fail the task.
MISSING_ORDERS = 5
#: Far above any oid the sandbox hands out during the run.
MISSING_OID = 9_000_000_001


def worker(params: dict[str, Any]) -> dict[str, Any]:
    _export_sandbox_connections(params["url"])

    from airflow_batchmod.run.journal import MemoryStore
    from airflow_batchmod.testing.operator_run import run_operator
    from benchmarks.drive import RssSampler

    start_mb = current_rss_mb()
    # execute() imports these lazily; loading them first keeps their one-off cost out of the growth.
    import airflow_batchmod.exchanges.hyperliquid.client
    import airflow_batchmod.hooks.hyperliquid
    import airflow_batchmod.run.engine  # noqa: F401

    imported_mb = current_rss_mb()
    edits = _edits_with_missing_orders(int(params["edits"]))
    input_mb = current_rss_mb()
    store = MemoryStore()
    ti = FakeTaskInstance(dag_id="benchmark_dag", run_id="manual__benchmark")
    began_at, wall, cpu = time.time(), time.perf_counter(), time.process_time()
    with RssSampler() as rss:
        run = run_operator(
            "hyperliquid_default",
            edits,
            store=store,
            ti=ti,
            chunk_size=CHUNK,
            fail_on="unknown",
            report_path=params["report_path"],
        )
    if run.error is not None:
        raise run.error
    assert run.report is not None
    report = run.report
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ended_at = time.time()
    # Read before the kernel's peak below, as that peak has always included reading the full report.
    report_figures = _report_figures(report)
    return {
        "edits": len(edits),
        "totals": report["totals"],
        "requests": report["requests"],
        "wall_seconds": wall,
        # Wall-clock epochs, comparable with the sandbox's request log on the same host.
        "began_at": began_at,
        "ended_at": ended_at,
        "cpu_seconds": cpu,
        "client_imports_mb": imported_mb - start_mb,
        "input_mb": input_mb - imported_mb,
        **_rss_figures(rss),
        **report_figures,
        "journal_entries": len(store.data),
        "journal_bytes": sum(len(value) for value in store.data.values()),
    }


def _export_sandbox_connections(url: str) -> None:
    """The operator finds its connection the way a task does: in ``AIRFLOW_CONN_*`` variables."""
    for conn_id, conn in sandbox_connections(url).items():
        os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(conn)


def _edits_with_missing_orders(count: int) -> list[dict[str, Any]]:
    """``count`` edits, the last MISSING_ORDERS of them aimed at orders that do not exist."""
    edits = hyperliquid_edits(count - MISSING_ORDERS)
    edits += [{**edit, "oid": MISSING_OID + i} for i, edit in enumerate(hyperliquid_edits(MISSING_ORDERS))]
    return edits


def _rss_figures(rss: RssSampler) -> dict[str, Any]:
    step = max(1, len(rss.timeline) // 12)
    return {
        "baseline_mb": rss.baseline_mb,
        "peak_mb": rss.peak_mb,
        "growth_mb": rss.growth_mb,
        # The kernel's own peak: above the sampled peak only if the sampler missed a spike.
        "max_rss_mb": max_rss_mb(),
        "timeline": rss.timeline[::step],
    }


def _report_figures(report: dict[str, Any]) -> dict[str, Any]:
    """What XCom keeps, and the full report it points to (when the edits did not fit inline)."""
    full_path = Path(str(report.get("full_report", "")).removeprefix("file://"))
    full_entries = None
    full_bytes = None
    if report.get("full_report") and full_path.is_file():
        full_bytes = full_path.stat().st_size
        full_entries = len(json.loads(full_path.read_text(encoding="utf-8"))["edits"])
    return {
        "xcom_bytes": len(json.dumps(report).encode()),
        "xcom_keys": sorted(report),
        "xcom_entries": len(report["edits"]),
        "xcom_statuses": sorted({entry["status"] for entry in report["edits"]}),
        "edits_truncated": report.get("edits_truncated", False),
        "full_report": report.get("full_report"),
        "full_bytes": full_bytes,
        "full_entries": full_entries,
    }


@dataclass(frozen=True)
class _Phases:
    """Where execute()'s wall time went, split where the first and the last modify reached the sandbox."""

    #: Validation, metadata and open orders, up to the first modify.
    prepare: float
    #: The first modify to the last.
    sending: float
    #: The last modify to the end of execute(): its answer, the report and XCom.
    finishing: float


def _phases(r: dict[str, Any], modifies: list[float]) -> _Phases | None:
    if not modifies:
        return None
    return _Phases(modifies[0] - r["began_at"], modifies[-1] - modifies[0], r["ended_at"] - modifies[-1])


def run(full: bool = False, edits: int | None = None) -> list[Row]:
    count = edits or FULL_EDITS
    heading(
        f"Memory: {count:,} edits through BatchModifyOrdersOperator.execute() on Hyperliquid "
        f"(chunk_size={CHUNK}, fresh process, real rate limits)"
    )
    r, entries = _run_in_sandbox(count)
    phases = _phases(r, sorted(e["t"] for e in entries if e["endpoint"] == "modify"))
    _print_time_and_memory(r, entries, phases)
    _print_journal_and_report(r, count)
    return _rows(r, phases, count)


def _run_in_sandbox(count: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The worker's answer, and the sandbox's request log of its run."""
    began = time.perf_counter()
    report_dir = Path(tempfile.mkdtemp(prefix="batchmod-bench-reports-"))
    try:
        with start_sandbox(hyperliquid_seed(count), startup_timeout=120) as sandbox:
            print(
                f"  sandbox seeded with {count:,} open orders in {time.perf_counter() - began:.1f} s",
                flush=True,
            )
            r = run_worker("memory", {"url": sandbox.url, "edits": count, "report_path": report_dir.as_uri()})
            return r, sandbox.requests()
    finally:
        shutil.rmtree(report_dir, ignore_errors=True)


def _print_time_and_memory(r: dict[str, Any], entries: list[dict[str, Any]], phases: _Phases | None) -> None:
    log = request_figures(entries, "hyperliquid", 20)
    weights = weight_figures(entries)
    paced = log.paced_edits_per_second
    print(
        f"  totals {r['totals']}, {r['requests']} requests, {weights.venue_429} x HTTP 429 "
        f"(peak weight in any 60 s, reads included: {weights.peak_weight_per_minute}/1200), "
        f"wall {r['wall_seconds']:.1f} s ({r['edits'] / r['wall_seconds']:.0f} edits/s; paced "
        f"{'n/a' if paced is None else f'{paced:.0f}'} of {20 * CHUNK} edits/s while sending), "
        f"CPU {r['cpu_seconds']:.1f} s ({r['cpu_seconds'] * 1000 / r['edits']:.3f} ms/edit)"
    )
    if phases is not None:
        print(
            f"  phases: prepare (validation, metadata, open orders) {phases.prepare:.1f} s, "
            f"sending {phases.sending:.1f} s, last answer + report + XCom {phases.finishing:.1f} s"
        )
    print(
        f"  RSS: client modules {r['client_imports_mb']:.1f} MB, input list {r['input_mb']:.1f} MB, "
        f"then execute() from {r['baseline_mb']:.0f} MB to a peak of {r['peak_mb']:.0f} MB: "
        f"growth {r['growth_mb']:.1f} MB ({r['growth_mb'] * 1024 / r['edits']:.2f} KB/edit; "
        f"kernel's peak for the process {r['max_rss_mb']:.0f} MB)"
    )
    print("  RSS over the run (s, MB): " + ", ".join(f"{t:.0f}s {mb:.0f}" for t, mb in r["timeline"]))


def _print_journal_and_report(r: dict[str, Any], count: int) -> None:
    print(
        f"  checkpoint journal (in-process MemoryStore here): {r['journal_entries']} entries, "
        f"{r['journal_bytes'] / 2**20:.1f} MB"
    )
    full_bytes = r["full_bytes"]
    print(
        f"  XCom value: {r['xcom_bytes']:,} bytes: {r['xcom_entries']} entries (statuses {r['xcom_statuses']}; "
        f"{MISSING_ORDERS} edits target orders that do not exist), keys {r['xcom_keys']}, "
        f"edits_truncated={r['edits_truncated']}"
    )
    if full_bytes is not None:
        print(
            f"  full report: {full_bytes:,} bytes, {r['full_entries']:,} entries, written via ObjectStoragePath "
            f"to {r['full_report']} (XCom is {r['xcom_bytes'] / full_bytes:.5%} of it)"
        )
    else:
        print(f"  no full report file: {count} entries fit inline")


def _rows(r: dict[str, Any], phases: _Phases | None, count: int) -> list[Row]:
    size_text = f"{count:,} edits"
    phases_text = (
        f" (prepare {phases.prepare:.0f}, sending {phases.sending:.0f}, report+XCom {phases.finishing:.0f})"
        if phases is not None
        else ""
    )
    full_bytes = r["full_bytes"]
    return [
        Row(
            "memory",
            f"execute() wall time, {size_text}",
            f"{r['wall_seconds']:.0f} s{phases_text}",
            f"rate-limit bound ~{count / (20 * CHUNK):.0f} s",
        ),
        Row(
            "memory",
            f"peak RSS growth, {size_text}",
            f"{r['growth_mb']:.0f} MB",
            f"<= {TARGET_GROWTH_MB} MB",
            verdict(r["growth_mb"] <= TARGET_GROWTH_MB),
        ),
        Row(
            "memory",
            "XCom value vs full report",
            f"{r['xcom_bytes']:,} B vs {full_bytes:,} B" if full_bytes else f"{r['xcom_bytes']:,} B",
            "XCom: totals + failures + location",
            verdict(
                bool(r["edits_truncated"])
                and full_bytes is not None
                and r["xcom_entries"] == r["totals"]["edits"] - r["totals"]["modified"]
                and r["xcom_bytes"] < 100_000
            )
            if count > 2000
            else "",
        ),
    ]
