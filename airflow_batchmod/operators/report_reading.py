"""For downstream tasks: every entry of an operator's report, wherever the operator left it.

A report small enough stays whole in XCom. A bigger one is shortened there (``edits_truncated``):
with ``report_path`` set the whole report is in object storage (``full_report``, an
ObjectStoragePath URL); without it the full list exists only in the operator's task log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def is_complete(report: Mapping[str, Any]) -> bool:
    """Whether the report in XCom still holds one entry per input edit."""
    return not report.get("edits_truncated")


def report_entries(report: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """One entry per input edit: from XCom, or read back from ``full_report``.

    ``None`` when the report was shortened and not stored: then only the operator's task log has
    the full list (``full_report_note`` says so), and XCom keeps the entries that need attention.
    """
    if is_complete(report):
        return list(report["edits"])
    location = report.get("full_report")
    if not location:
        return None
    from airflow.sdk import ObjectStoragePath

    with ObjectStoragePath(location).open("r") as handle:  # type: ignore[no-untyped-call]
        entries: list[dict[str, Any]] = json.load(handle)["edits"]
    return entries


def where_entries_are(report: Mapping[str, Any]) -> str:
    """One sentence for a downstream task's log: where the full list of entries can be found."""
    if is_complete(report):
        return f"all {len(report['edits'])} entries are in the report"
    if report.get("full_report"):
        return f"the full report is stored at {report['full_report']}"
    return str(
        report.get("full_report_note")
        or "the full list is in the operator's task log; XCom keeps only the entries that need attention"
    )
