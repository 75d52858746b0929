"""The plan's records: what the plan settles without sending anything (invalid, unchanged, not
open, dry run), and what an earlier try's journal says instead."""

from __future__ import annotations

from airflow_batchmod.exchanges.base import Preparation
from airflow_batchmod.run.journal import Recovered
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


def prefer_journal(planned: list[EditRecord], recovered: Recovered | None) -> None:
    """An edit an earlier try settled keeps that status, whatever the book shows now (an edit
    applied by the killed try looks ``unchanged`` to the next one); one it left in doubt that
    the book now shows is ``modified``."""
    if recovered is None:
        return
    for record in planned:
        if record.index in recovered.in_doubt and record.status is EditStatus.UNCHANGED:
            # Sent by a try that died before hearing back, and the book shows it now: it landed.
            record.status, record.reconciled = EditStatus.MODIFIED, True
            record.attempts = recovered.attempts.get(record.index, 1)
            record.message = "sent by an earlier try; the book shows it"
            continue
        settled = recovered.settled.get(record.index)
        if settled is None or record.status not in (EditStatus.UNCHANGED, EditStatus.NOT_OPEN):
            continue
        record.status = EditStatus(settled.status)
        record.order_id, record.code, record.message = settled.order_id, settled.code, settled.message
        record.attempts = settled.attempts
        record.resumed = True
