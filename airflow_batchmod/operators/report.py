"""The per-edit report: what goes to XCom, the log lines and the summary table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from airflow_batchmod.operators.engine import EditRecord, EditStatus

REPORT_VERSION = 1

#: Statuses that fail the task under each ``fail_on`` policy. ``unknown`` fails under all of
#: them: an order whose fate nobody knows must get a human's attention.
FAILING_STATUSES: dict[str, frozenset[EditStatus]] = {
    "any": frozenset(
        {EditStatus.REJECTED, EditStatus.FAILED, EditStatus.UNKNOWN, EditStatus.INVALID, EditStatus.NOT_SENT}
    ),
    "failed_or_unknown": frozenset({EditStatus.FAILED, EditStatus.UNKNOWN, EditStatus.NOT_SENT}),
    "unknown": frozenset({EditStatus.UNKNOWN}),
}


def totals(records: Iterable[EditRecord]) -> dict[str, int]:
    counts = Counter(r.status.value if r.status else "pending" for r in records)
    summary = {status.value: counts.get(status.value, 0) for status in EditStatus}
    summary["edits"] = sum(counts.values())
    return summary


def build_report(
    records: Sequence[EditRecord],
    *,
    exchange: str,
    conn_id: str,
    requests: int,
    duration_seconds: float,
    reconciliations: int = 0,
    throttled_requests: int = 0,
) -> dict[str, Any]:
    """A JSON-serialisable report: one entry per input edit, in input order, and totals.

    ``reconciliations`` counts the times the exchange was asked about edits in doubt, and
    ``throttled_requests`` the answers that sent edits back to wait (429s, busy codes).
    """
    ordered = sorted(records, key=lambda r: r.index)
    return {
        "version": REPORT_VERSION,
        "exchange": exchange,
        "conn_id": conn_id,
        "totals": totals(ordered),
        "requests": requests,
        "reconciliations": reconciliations,
        "throttled_requests": throttled_requests,
        "duration_seconds": round(duration_seconds, 3),
        "edits": [record.as_dict() for record in ordered],
    }


def summarise_for_xcom(report: dict[str, Any], location: str, limit: int) -> dict[str, Any]:
    """The XCom form of a report too large for the metadata database: totals and at most
    ``limit`` of the entries that were not modified."""
    slim = {key: value for key, value in report.items() if key != "edits"}
    problems = [entry for entry in report["edits"] if entry["status"] != EditStatus.MODIFIED.value]
    slim["edits"] = problems[:limit]
    slim["edits_truncated"] = True
    slim["problems_omitted"] = len(problems) - len(slim["edits"])
    slim["full_report"] = location
    return slim


def failing(records: Iterable[EditRecord], fail_on: str) -> list[EditRecord]:
    statuses = FAILING_STATUSES[fail_on]
    return [r for r in records if r.status in statuses]


def log_line(record: EditRecord) -> str:
    """One line per edit, the form operators grep for."""
    status = record.status.value if record.status else "pending"
    parts = [f"edit #{record.index} {record.label}: {status}"]
    if record.order_id:
        parts.append(f"order_id={record.order_id}")
    parts.append(f"attempts={record.attempts}")
    if record.code:
        parts.append(f"code={record.code}")
    if record.message:
        parts.append(f"msg={record.message}")
    if record.resumed:
        parts.append("(settled by an earlier try)")
    return " ".join(parts)


def summary_table(report: dict[str, Any]) -> str:
    """A small fixed-width table of totals, readable in the task log."""
    rows = [(status, count) for status, count in report["totals"].items() if status != "edits"]
    rows.append(("total edits", report["totals"]["edits"]))
    rows.append(("requests sent", report["requests"]))
    rows.append(("requests throttled", report.get("throttled_requests", 0)))
    rows.append(("reconciliations", report.get("reconciliations", 0)))
    rows.append(("seconds", report["duration_seconds"]))
    width = max(len(str(name)) for name, _ in rows)
    lines = [f"{'status'.ljust(width)} | count", f"{'-' * width}-|------"]
    lines += [f"{str(name).ljust(width)} | {value}" for name, value in rows]
    return "\n".join(lines)
