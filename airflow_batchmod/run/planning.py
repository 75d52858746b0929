"""The plan's records: what the plan settles without sending anything (invalid, unchanged, not
open, dry run)."""

from __future__ import annotations

from airflow_batchmod.exchanges.base import Preparation
from airflow_batchmod.run.records import EditRecord, EditStatus
from airflow_batchmod.run.redaction import Scrubber


def planned_records(preparation: Preparation, scrub: Scrubber) -> list[EditRecord]:
    """Records for the edits the plan settles without sending: invalid, unchanged, not open."""
    records = [
        EditRecord(p.index, f"edit:{p.index}", p.label, EditStatus.INVALID, message="; ".join(p.problems))
        for p in preparation.problems
    ]
    for skip in preparation.skipped:
        status = EditStatus(skip.status.value)
        unchanged = status is EditStatus.UNCHANGED
        records.append(
            EditRecord(
                skip.index,
                skip.order_key,
                skip.label,
                status,
                order_id=skip.order_id,
                message=skip.message or ("the book already shows this price and size" if unchanged else None),
                before=skip.before,
                after=skip.before if unchanged else None,
            )
        )
    return scrub.records(records)


def not_sent_records(preparation: Preparation, reason: str) -> list[EditRecord]:
    return [
        EditRecord(e.index, e.order_key, e.label, EditStatus.NOT_SENT, message=reason)
        for e in preparation.edits
    ]


def dry_run_records(preparation: Preparation, scrub: Scrubber) -> list[EditRecord]:
    """What an apply would send, as ``would_modify`` with the book's values and the wanted ones."""
    return scrub.records(
        [
            EditRecord(
                e.index, e.order_key, e.label, EditStatus.WOULD_MODIFY, before=e.before, wanted=e.wanted
            )
            for e in preparation.edits
        ]
    )
