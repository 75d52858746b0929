"""A resumed try judges each edit against the plan the first try recorded, and the book of now.

A try that resumes (a retry after a crash, or a task cleared after it ran) must not act on a
book that moved since the edits were planned: another run, a person or a fill may have changed
the order, and sending the old edit would put stale prices back on the book. So each edit is
judged once, before anything is sent:

- an earlier try settled it for good (the journal says so): it keeps that outcome;
- the book shows what the edit wanted: ``modified`` (``reconciled``) when an earlier try sent it
  and never heard back, ``unchanged`` otherwise;
- the book still shows what the first try planned against: it may be sent (an edit in doubt is
  first asked about, see :mod:`airflow_batchmod.run.sending`);
- the book shows neither: ``superseded``, and it is not sent;
- the order is no longer open: ``not_open``.

Every entry keeps the first try's ``before`` and ``wanted``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from airflow_batchmod.exchanges.base import PlannedSkip, PlanStatus, Preparation, PreparedEdit, Quote
from airflow_batchmod.run.journal import FINAL_ACROSS_TRIES, Journal, PlannedEdit, Recovered, SettledEdit
from airflow_batchmod.run.records import EditRecord, EditStatus
from airflow_batchmod.run.redaction import RunLog


@dataclass
class Resumption:
    """What a try does with its plan once earlier tries' progress is known."""

    #: To send, with the first try's before and wanted.
    edits: list[PreparedEdit]
    #: Settled without sending: by an earlier try, by the book, or by the plan.
    records: list[EditRecord]
    #: Among ``edits``: sent by an earlier try that never heard back; asked about before resending.
    in_doubt: set[int] = field(default_factory=set)
    #: Sends by earlier tries, by input index.
    earlier_attempts: dict[int, int] = field(default_factory=dict)
    #: The order an earlier try's applied edit left, by order key (a replacement on some venues).
    order_ids: dict[str, str] = field(default_factory=dict)
    #: Settled by earlier tries (read from the journal).
    resumed: int = 0
    #: In doubt, and the book of now shows the edit landed.
    settled_from_book: int = 0
    superseded: int = 0

    @property
    def book_reconciliations(self) -> int:
        """The plan's book read answered for edits in doubt: one reconciliation, when it did."""
        return 1 if self.settled_from_book else 0


def begin(
    journal: Journal | None, preparation: Preparation, planned: list[EditRecord], log: RunLog
) -> Resumption:
    """Read earlier tries' progress and judge the plan against it, or record the plan of a first try.

    Raises :class:`~airflow_batchmod.run.journal.CheckpointUnreadable` (earlier progress cannot be
    read) or :class:`~airflow_batchmod.run.journal.CheckpointWriteError` (the plan cannot be
    recorded); either way nothing may be sent.
    """
    fresh = Resumption(list(preparation.edits), list(planned))
    if journal is None:
        return fresh
    recovered = journal.recover()
    if recovered.entries == 0:
        journal.record_plan(*plan_entries(preparation, planned))
        return fresh
    resumption = judge(preparation, recovered)
    log.info("%s", resume_line(resumption, recovered))
    return resumption


def judge(preparation: Preparation, recovered: Recovered) -> Resumption:
    """Judge the current plan against ``recovered``; see the module docstring."""
    records = [invalid_record(p.index, p.label, p.problems) for p in preparation.problems]
    resumption = Resumption([], records, earlier_attempts=dict(recovered.attempts))
    for skip in preparation.skipped:
        resumption.records.append(_judge_skip(skip, recovered, resumption))
    accepted = _accepted_befores(preparation, recovered)
    for edit in preparation.edits:
        record = _judge_edit(edit, recovered, resumption, accepted.get(edit.index, []))
        if record is not None:
            resumption.records.append(record)
    for record in resumption.records:
        if record.resumed and record.status is EditStatus.MODIFIED and record.order_id:
            resumption.order_ids[record.order] = record.order_id
    return resumption


def _accepted_befores(preparation: Preparation, recovered: Recovered) -> dict[int, list[Quote]]:
    """For each edit, the book values it may still be sent on: what the first try planned
    against, or what an earlier edit of the same order in the same input wanted (an order listed
    twice moves between its edits)."""
    keys = {e.index: e.order_key for e in preparation.edits}
    keys.update({s.index: s.order_key for s in preparation.skipped})
    wanted_so_far: dict[str, list[Quote]] = {}
    accepted: dict[int, list[Quote]] = {}
    for index in sorted(keys):
        plan = recovered.plans.get(index)
        earlier = wanted_so_far.setdefault(keys[index], [])
        accepted[index] = ([plan.before] if plan and plan.before else []) + list(earlier)
        if plan and plan.wanted:
            earlier.append(plan.wanted)
    return accepted


def invalid_record(index: int, label: str, problems: Sequence[str]) -> EditRecord:
    return EditRecord(index, f"edit:{index}", label, EditStatus.INVALID, message="; ".join(problems))


def _judge_skip(skip: PlannedSkip, recovered: Recovered, resumption: Resumption) -> EditRecord:
    earlier = _from_journal(skip.index, skip.order_key, skip.label, recovered)
    if earlier is not None:
        resumption.resumed += 1
        if earlier.status is EditStatus.MODIFIED and skip.status is PlanStatus.UNCHANGED:
            earlier.after = skip.before  # the book still shows what the earlier try applied
        return earlier
    plan = recovered.plans.get(skip.index)
    record = EditRecord(
        skip.index,
        skip.order_key,
        skip.label,
        EditStatus(skip.status.value),
        order_id=skip.order_id,
        message=skip.message,
        before=plan.before if plan else skip.before,
        wanted=plan.wanted if plan else None,
        attempts=recovered.attempts.get(skip.index, 0),
    )
    sent_earlier = skip.index in recovered.in_doubt
    if skip.status is PlanStatus.UNCHANGED:
        record.after = skip.before
        if sent_earlier:
            # An earlier try sent it and died before the answer: the book shows it landed.
            resumption.settled_from_book += 1
            record.status, record.reconciled = EditStatus.MODIFIED, True
            record.message = (
                f"sent by an earlier try whose answer was lost; the book shows {_shown(skip.before)}"
            )
        else:
            record.message = skip.message or "the book already shows this price and size"
    elif sent_earlier:
        record.message = f"{skip.message or 'the order is no longer open'}; an earlier try sent this edit"
    return record


def _judge_edit(
    edit: PreparedEdit, recovered: Recovered, resumption: Resumption, accepted: Sequence[Quote]
) -> EditRecord | None:
    """None when the edit is to be sent (added to ``resumption.edits``)."""
    earlier = _from_journal(edit.index, edit.order_key, edit.label, recovered)
    if earlier is not None:
        resumption.resumed += 1
        return earlier
    plan = recovered.plans.get(edit.index)
    current = edit.before
    if plan is None or not accepted or current is None or any(same_quote(q, current) for q in accepted):
        wanted = plan.wanted if plan is not None and plan.wanted is not None else edit.wanted
        resumption.edits.append(dataclasses.replace(edit, wanted=wanted))
        if edit.index in recovered.in_doubt:
            resumption.in_doubt.add(edit.index)
        return None
    resumption.superseded += 1
    return EditRecord(
        edit.index,
        edit.order_key,
        edit.label,
        EditStatus.SUPERSEDED,
        message=(
            f"not sent: the book shows {_shown(current)}, neither the {_shown(plan.before)} this "
            f"edit was planned against nor the {_shown(plan.wanted)} it wanted; the order changed "
            "since (another run, a person or a fill)"
        ),
        before=plan.before,
        wanted=plan.wanted,
        attempts=recovered.attempts.get(edit.index, 0),
    )


def _from_journal(index: int, order_key: str, label: str, recovered: Recovered) -> EditRecord | None:
    settled = recovered.settled.get(index)
    if settled is None:
        return None
    plan = recovered.plans.get(index)
    record = EditRecord(
        index,
        order_key,
        label,
        EditStatus(settled.status),
        order_id=settled.order_id,
        code=settled.code,
        message=settled.message,
        attempts=settled.attempts,
        resumed=True,
        before=plan.before if plan else None,
        wanted=plan.wanted if plan else None,
    )
    return record


def same_quote(one: Quote, other: Quote) -> bool:
    return Decimal(one.price) == Decimal(other.price) and Decimal(one.size) == Decimal(other.size)


def _shown(quote: Quote | None) -> str:
    return quote.describe() if quote is not None else "no price and size"


# -- what goes into the journal ------------------------------------------------------------------


def plan_entries(
    preparation: Preparation, planned: Iterable[EditRecord]
) -> tuple[list[tuple[int, PlannedEdit]], list[tuple[int, SettledEdit]]]:
    """The first try's plan for the journal: every planned edit's before and wanted, and the
    outcome of those the plan settled (``planned``: the plan's records)."""
    plans = [(e.index, PlannedEdit(e.before, e.wanted)) for e in preparation.edits]
    # An unchanged edit wanted what the book showed; a not-open one's wanted was never worked out.
    plans += [
        (s.index, PlannedEdit(s.before, s.before if s.status is PlanStatus.UNCHANGED else None))
        for s in preparation.skipped
    ]
    plans.sort(key=lambda item: item[0])
    return plans, settled_entries(planned)


def settled_entries(records: Iterable[EditRecord]) -> list[tuple[int, SettledEdit]]:
    """The records whose outcome no later try may change, as journal rows; records an earlier
    try already settled (``resumed``) are in the journal already."""
    return [
        (r.index, SettledEdit(r.status.value, r.order_id, r.code, r.message, r.attempts))
        for r in records
        if r.status is not None and r.status.value in FINAL_ACROSS_TRIES and not r.resumed
    ]


def resume_line(resumption: Resumption, recovered: Recovered) -> str:
    """The log line that opens a resumed try: what earlier tries left, and what this try makes of it."""
    in_doubt = len(recovered.in_doubt)
    return (
        f"Resuming from {recovered.entries} checkpoint entries: {resumption.resumed} edits settled by "
        f"earlier tries, {in_doubt} in doubt ({resumption.settled_from_book} shown landed by the book, "
        f"{len(resumption.in_doubt)} to ask the exchange about), {resumption.superseded} superseded "
        f"(the book moved since the plan), {len(resumption.edits) - len(resumption.in_doubt)} to send"
    )
