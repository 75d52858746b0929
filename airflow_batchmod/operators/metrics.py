"""What a run tells the desk's metrics system: counts per status, request figures, how it stopped,
and how long it took, through Airflow's task-side ``airflow.sdk.observability.stats``.

Every name carries its meaning (``batchmod.edits.unknown``), because plain StatsD drops tags
unless ``[metrics] statsd_influxdb_enabled`` is on; Datadog, OpenTelemetry and InfluxDB-style
StatsD also get the tags ``exchange`` and ``conn_id``. No order id or price ever goes into a name
or a tag: they would flood the metrics store and tell a stranger what the desk trades.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_batchmod.run.records import Halt

log = logging.getLogger(__name__)

PREFIX = "batchmod"

#: Report figures sent as counters, by metric name.
REQUEST_COUNTERS = {
    "requests": f"{PREFIX}.requests",
    "throttled_requests": f"{PREFIX}.requests.throttled",
    "server_errors": f"{PREFIX}.requests.server_errors",
    "reconciliations": f"{PREFIX}.reconciliations",
}


def edit_metric(status: str) -> str:
    """The counter for one report status, e.g. ``batchmod.edits.modified`` (all: ``.total``)."""
    return f"{PREFIX}.edits.{'total' if status == 'edits' else status}"


def run_metric(halt: Halt | None) -> str:
    """The counter that says how a run ended: completed, or stopped early, and whether a retry
    of the task could do better (the reason's text stays in the report and the log)."""
    if halt is None:
        return f"{PREFIX}.runs.completed"
    return f"{PREFIX}.runs.stopped.{'retryable' if halt.retryable else 'final'}"


def metric_values(report: Mapping[str, Any], halt: Halt | None) -> dict[str, int]:
    """Every counter a run sends and its increment; per-status counters are sent even at zero,
    so an alert on ``batchmod.edits.unknown > 0`` always has a series to read."""
    values = {edit_metric(status): int(count) for status, count in report["totals"].items()}
    values.update({name: int(report.get(key) or 0) for key, name in REQUEST_COUNTERS.items()})
    values[run_metric(halt)] = 1
    return values


#: A run that failed before it had a report: invalid input under ``on_invalid="fail"``, an
#: unusable connection, a book or journal that could not be read, or a crash.
FAILED_WITHOUT_REPORT = f"{PREFIX}.runs.failed_without_report"


def emit_run_metrics(report: Mapping[str, Any], halt: Halt | None) -> None:
    """Send the run's metrics; a metrics backend that fails never fails the task."""
    tags = {"exchange": str(report["exchange"]), "conn_id": str(report["conn_id"])}
    duration = timedelta(seconds=float(report.get("duration_seconds") or 0))
    _send(metric_values(report, halt), tags, duration)


def emit_failed_without_report(conn_id: str, exchange: str | None) -> None:
    """Count a run that failed before it had a report (``exchange`` is None when the connection
    could not even make a client)."""
    _send({FAILED_WITHOUT_REPORT: 1}, {"exchange": exchange or "unknown", "conn_id": conn_id}, None)


def _send(counters: Mapping[str, int], tags: Mapping[str, str], duration: timedelta | None) -> None:
    try:
        from airflow.sdk.observability import stats

        for name, count in counters.items():
            stats.incr(name, count, tags=dict(tags))
        if duration is not None:
            stats.timing(f"{PREFIX}.run.duration", duration, tags=dict(tags))
    except Exception as exc:  # the report matters more than its metrics
        log.warning("Could not send batchmod metrics: %s", exc)
