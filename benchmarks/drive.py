"""Drive ``BatchRun`` with a real client the way ``BatchModifyOrdersOperator.execute()`` does.

prepare -> journal (in a ``MemoryStore``, standing in for ``task_state_store``) -> ``BatchRun.run``,
with one log line per settled edit, written where nobody reads it: formatting the line is part
of the operator's cost, printing 100,000 of them is not part of the figure.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_batchmod.exchanges.base import ExchangeClient
from airflow_batchmod.run.engine import BatchRun, RunSettings
from airflow_batchmod.run.journal import Journal, MemoryStore, fingerprint
from airflow_batchmod.run.records import EditRecord
from airflow_batchmod.run.report import log_line
from benchmarks.common import current_rss_mb

_task_log = logging.getLogger("benchmarks.task_log")
_task_log.propagate = False
_task_log.setLevel(logging.INFO)
_task_log.addHandler(logging.StreamHandler(open(os.devnull, "w", encoding="utf-8")))  # noqa: SIM115


@dataclass
class RunFigures:
    edits: int
    statuses: dict[str, int]
    requests: int
    prepare_seconds: float
    run_seconds: float
    prepare_cpu_seconds: float
    run_cpu_seconds: float

    @property
    def modified(self) -> int:
        return self.statuses.get("modified", 0)

    @property
    def cpu_ms_per_edit(self) -> float:
        return (self.prepare_cpu_seconds + self.run_cpu_seconds) * 1000 / self.edits

    @property
    def edits_per_second(self) -> float:
        return self.edits / self.run_seconds


def drive(client: ExchangeClient, raw_edits: Sequence[object], settings: RunSettings) -> RunFigures:
    """Apply ``raw_edits`` through ``client``; every edit must be valid (the benchmark's own seed)."""
    wall, cpu = time.perf_counter(), time.process_time()
    preparation = client.prepare(raw_edits)
    if preparation.problems:
        first = "; ".join(p.describe() for p in preparation.problems[:3])
        raise RuntimeError(f"{len(preparation.problems)} benchmark edits are invalid: {first}")
    prepared_wall, prepared_cpu = time.perf_counter(), time.process_time()

    def on_settle(record: EditRecord) -> None:
        _task_log.info("%s", log_line(record))

    journal = Journal(MemoryStore(), fingerprint("benchmark", list(raw_edits)))
    run = BatchRun(client, settings, journal=journal, log=_task_log, on_settle=on_settle)
    records = run.run(preparation.edits)
    done_wall, done_cpu = time.perf_counter(), time.process_time()
    statuses = Counter(r.status.value if r.status else "pending" for r in records.values())
    return RunFigures(
        edits=len(raw_edits),
        statuses=dict(statuses),
        requests=run.stats.requests,
        prepare_seconds=prepared_wall - wall,
        run_seconds=done_wall - prepared_wall,
        prepare_cpu_seconds=prepared_cpu - cpu,
        run_cpu_seconds=done_cpu - prepared_cpu,
    )


@dataclass
class RssSampler:
    """Samples this process's RSS on a thread: ``ru_maxrss`` alone cannot start from a later baseline."""

    interval: float = 0.005
    baseline_mb: float = 0.0
    peak_mb: float = 0.0
    #: (seconds since start, RSS MiB), about twice a second, to show whether memory keeps growing.
    timeline: list[tuple[float, float]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> RssSampler:
        self.baseline_mb = self.peak_mb = current_rss_mb()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak_mb = max(self.peak_mb, current_rss_mb())

    @property
    def growth_mb(self) -> float:
        return self.peak_mb - self.baseline_mb

    def _sample(self) -> None:
        start = last = time.monotonic()
        while not self._stop.wait(self.interval):
            rss = current_rss_mb()
            self.peak_mb = max(self.peak_mb, rss)
            now = time.monotonic()
            if now - last >= 0.5:
                self.timeline.append((round(now - start, 1), round(rss, 1)))
                last = now
