"""After the requests settle: read the book until every accepted edit shows, or time runs out.

An exchange's "success" can mean *accepted* (some venues queue modifications), so ``modified``
waits for the book to show the edit's price and size. The book's word: landed -> ``modified``
with ``after``; the order filled or was cancelled first -> ``rejected`` with the reason; still
the old values at the deadline -> ``unknown``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from airflow_batchmod.exchanges.backoff import Backoff
from airflow_batchmod.exchanges.base import Confirmation, ExchangeClient, Landing, PreparedEdit
from airflow_batchmod.run.engine import BatchRun
from airflow_batchmod.run.records import EditRecord, EditStatus
from airflow_batchmod.run.redaction import RunLog

#: Why a confirmed edit is not ``modified``, when the book gives no words of its own.
TOOK_OFF_THE_BOOK = "the edit took the order off the book"
GONE_FIRST = "the order filled or was cancelled before the edit took effect"

#: Book reads start a quarter second apart and back off to two seconds.
CONFIRM_BACKOFF_BASE = 0.25
CONFIRM_BACKOFF_MAX = 2.0


@dataclass
class ConfirmOutcome:
    """What confirming changed, for the journal and the log."""

    changed: list[EditRecord] = field(default_factory=list)
    reads: int = 0


def edits_to_confirm(
    edits: Sequence[PreparedEdit], records: dict[int, EditRecord], client: ExchangeClient
) -> list[PreparedEdit]:
    """This try's ``modified`` edits, retargeted to the order that carries them; for an order
    edited several times, only its last edit, the one the book can show."""
    last: dict[str, PreparedEdit] = {}
    for edit in edits:
        record = records[edit.index]
        if record.status is EditStatus.MODIFIED and not record.resumed and edit.wanted is not None:
            last[edit.order_key] = edit
    chosen = sorted(last.values(), key=lambda e: e.index)
    return [client.retarget(e, order_id) if (order_id := records[e.index].order_id) else e for e in chosen]


def confirm_landings(
    client: ExchangeClient,
    edits: Sequence[PreparedEdit],
    records: dict[int, EditRecord],
    *,
    timeout: float,
    backoff: Backoff,
    log: RunLog,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ConfirmOutcome:
    """Poll ``client.confirm`` with backoff until each edit landed or is gone, or ``timeout``
    seconds passed; settles the records in place."""
    outcome = ConfirmOutcome()
    pending = list(edits)
    if not pending:
        return outcome
    deadline = clock() + timeout
    failure: str | None = None
    while pending:
        outcome.reads += 1
        try:
            answers: dict[int, Confirmation] = {c.index: c for c in client.confirm(pending)}
            failure = None
        except Exception as exc:
            answers, failure = {}, f"the book could not be read: {exc}"
        pending = _settle_shown(pending, answers, records, outcome)
        left = deadline - clock()
        if not pending or left <= 0:
            break
        sleep(min(backoff(outcome.reads), left))
    message = failure or f"accepted, but the book did not show it within {timeout:g} s (still the old values)"
    for edit in pending:
        _settle(records[edit.index], EditStatus.UNKNOWN, message, outcome)
    log.info(
        "Confirmed %d accepted edits against the book in %d reads: %d landed, %d not",
        len(edits),
        outcome.reads,
        len(edits) - len(outcome.changed),
        len(outcome.changed),
    )
    return outcome


def _settle_shown(
    pending: list[PreparedEdit],
    answers: dict[int, Confirmation],
    records: dict[int, EditRecord],
    outcome: ConfirmOutcome,
) -> list[PreparedEdit]:
    """Settle the edits the book answered for; returns those still pending (no answer, queued)."""
    still: list[PreparedEdit] = []
    for edit in pending:
        answer = answers.get(edit.index)
        if answer is None or answer.landing is Landing.PENDING:
            still.append(edit)
            continue
        record = records[edit.index]
        if answer.landing is Landing.LANDED:
            record.after = answer.after
            record.order_id = answer.order_id or record.order_id
            record.message = answer.message or record.message  # e.g. how much filled since
        elif answer.landing is Landing.CANCELLED:
            record.after = None
            _settle(record, EditStatus.CANCELLED, answer.message or TOOK_OFF_THE_BOOK, outcome)
        else:
            _settle(record, EditStatus.REJECTED, answer.message or GONE_FIRST, outcome)
    return still


def _settle(record: EditRecord, status: EditStatus, message: str, outcome: ConfirmOutcome) -> None:
    """Change a modified edit's status by what the book showed, and note it as changed."""
    record.status, record.message = status, message
    outcome.changed.append(record)


def confirm_run(
    run: BatchRun, edits: Sequence[PreparedEdit], *, timeout: float, log: RunLog
) -> list[EditRecord]:
    """Confirm a finished run's accepted edits; returns the records whose status changed."""
    to_confirm = edits_to_confirm(edits, run.records, run.client)
    backoff = Backoff(CONFIRM_BACKOFF_BASE, CONFIRM_BACKOFF_MAX, random.Random())
    outcome = confirm_landings(
        run.client,
        to_confirm,
        run.records,
        timeout=timeout,
        backoff=backoff,
        log=log,
        clock=run.clock,
        sleep=run.sleep,
    )
    return outcome.changed
