"""The per-edit report: what goes to XCom and to object storage, the log lines and the summary table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from airflow_batchmod.run.records import EditRecord, EditStatus

REPORT_VERSION = 1

#: Statuses that fail the task under each ``fail_on`` policy. ``unknown`` fails under all of
#: them: an order whose fate nobody knows must get a human's attention. ``unchanged`` and
#: ``would_modify`` never fail; ``not_open`` (the order filled or was cancelled) and
#: ``superseded`` (the order changed since the plan) only when asked. ``cancelled`` (our edit took
#: the order off the book) fails whenever failures do.
_ANY = frozenset(
    {
        EditStatus.REJECTED,
        EditStatus.FAILED,
        EditStatus.UNKNOWN,
        EditStatus.INVALID,
        EditStatus.NOT_SENT,
        EditStatus.CANCELLED,
    }
)
FAILING_STATUSES: dict[str, frozenset[EditStatus]] = {
    "any_or_not_open": _ANY | {EditStatus.NOT_OPEN, EditStatus.SUPERSEDED},
    "any": _ANY,
    "failed_or_unknown": frozenset(
        {EditStatus.FAILED, EditStatus.UNKNOWN, EditStatus.NOT_SENT, EditStatus.CANCELLED}
    ),
    "unknown": frozenset({EditStatus.UNKNOWN}),
}

#: Entries XCom always keeps in a shortened report: these statuses need no attention.
_FINE = frozenset({EditStatus.MODIFIED.value, EditStatus.UNCHANGED.value})

#: Statuses whose log line shows the change the edit asked for.
_CHANGING = frozenset({EditStatus.MODIFIED, EditStatus.WOULD_MODIFY})


FULL_LIST_IN_LOG = (
    "The full list is in the task log (one line per edit); set report_path to keep it in object storage."
)


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
    server_errors: int = 0,
    stop_reason: str | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """A JSON-serialisable report: one entry per input edit, in input order, and totals.

    ``reconciliations`` counts the times the exchange was asked about edits in doubt,
    ``throttled_requests`` the requests answered with 429 or a busy code, ``server_errors`` those
    answered with 5xx, and ``stop_reason`` says why sending stopped early, if it did.
    """
    ordered = sorted(records, key=lambda r: r.index)
    return {
        "version": REPORT_VERSION,
        "exchange": exchange,
        "conn_id": conn_id,
        "dry_run": dry_run,
        "totals": totals(ordered),
        "requests": requests,
        "reconciliations": reconciliations,
        "throttled_requests": throttled_requests,
        "server_errors": server_errors,
        "stop_reason": stop_reason,
        "duration_seconds": round(duration_seconds, 3),
        "edits": [record.as_dict() for record in ordered],
    }


def shorten_for_xcom(report: dict[str, Any], *, limit: int, location: str | None) -> dict[str, Any]:
    """The XCom form of a report with more than ``limit`` entries: the totals and the entries
    that need attention (not ``modified`` or ``unchanged``).

    With the full report stored at ``location``, at most ``limit`` of those entries are kept;
    without it, every one is, and the report says that the full list is in the task log.
    """
    if len(report["edits"]) <= limit:
        return report
    slim = {key: value for key, value in report.items() if key != "edits"}
    problems = [entry for entry in report["edits"] if entry["status"] not in _FINE]
    slim["edits"] = problems[:limit] if location else problems
    slim["edits_truncated"] = True
    slim["problems_omitted"] = len(problems) - len(slim["edits"])
    slim["full_report"] = location
    if location is None:
        slim["full_report_note"] = FULL_LIST_IN_LOG
    return slim


def failing(records: Iterable[EditRecord], fail_on: str) -> list[EditRecord]:
    statuses = FAILING_STATUSES[fail_on]
    return [r for r in records if r.status in statuses]


def log_line(record: EditRecord) -> str:
    """One line per edit, the form operators grep for."""
    status = record.status.value if record.status else "pending"
    parts = [f"edit #{record.index} {record.label}: {status}"]
    change = record.after or (record.wanted if record.status in _CHANGING else None)
    if record.before is not None or change is not None:
        before = record.before.describe() if record.before else "?"
        parts.append(f"{before} -> {change.describe()}" if change else before)
    if record.order_id:
        parts.append(f"order_id={record.order_id}")
    parts.append(f"attempts={record.attempts}")
    if record.code:
        parts.append(f"code={record.code}")
    if record.message:
        parts.append(f"msg={record.message}")
    if record.resumed:
        parts.append("(settled by an earlier try)")
    elif record.reconciled:
        parts.append("(settled by asking the exchange)")
    return " ".join(parts)


def summary_table(report: dict[str, Any]) -> str:
    """A small fixed-width table of totals, readable in the task log."""
    rows: list[tuple[str, object]] = [
        (status, count) for status, count in report["totals"].items() if status != "edits"
    ]
    rows.append(("total edits", report["totals"]["edits"]))
    rows.append(("requests sent", report["requests"]))
    rows.append(("requests throttled", report.get("throttled_requests", 0)))
    rows.append(("server errors", report.get("server_errors", 0)))
    rows.append(("reconciliations", report.get("reconciliations", 0)))
    rows.append(("seconds", report["duration_seconds"]))
    width = max(len(name) for name, _ in rows)
    lines = [f"{'status'.ljust(width)} | count", f"{'-' * width}-|------"]
    lines += [f"{name.ljust(width)} | {value}" for name, value in rows]
    taken_off = report["totals"].get(EditStatus.CANCELLED.value, 0)
    if taken_off:
        lines.append(f"{taken_off} orders taken off the book (cancelled by their edit, nothing placed)")
    if report.get("stop_reason"):
        lines.append(f"sending stopped: {report['stop_reason']}")
    return "\n".join(lines)
