"""The exchange-neutral batch run: chunking, pacing, retries, reconciliation and checkpoints.

No Airflow imports: the operator wraps this, and tests and benchmarks drive it directly.

Threads send chunks; only the main thread touches run state, the scheduler and the
journal, so no lock is needed outside the rate limiter.
"""

from __future__ import annotations

import enum
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol

from airflow_batchmod.exchanges.base import (
    ExchangeClient,
    FatalRequestError,
    ItemResult,
    Outcome,
    OutcomeUnknownError,
    PreparedEdit,
    TransientRequestError,
)
from airflow_batchmod.operators.checkpoint import Journal, SettledEdit
from airflow_batchmod.operators.schedule import ChunkScheduler


class EditStatus(str, enum.Enum):
    """The final status of one input edit in the report."""

    MODIFIED = "modified"
    REJECTED = "rejected"
    FAILED = "failed"
    UNKNOWN = "unknown"
    INVALID = "invalid"
    NOT_SENT = "not_sent"


@dataclass(slots=True)
class EditRecord:
    """Everything the report says about one input edit."""

    index: int
    order: str
    label: str
    status: EditStatus | None = None
    order_id: str | None = None
    code: str | None = None
    message: str | None = None
    attempts: int = 0
    resumed: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "order": self.order,
            "label": self.label,
            "status": self.status.value if self.status else None,
            "order_id": self.order_id,
            "code": self.code,
            "message": self.message,
            "attempts": self.attempts,
            "resumed": self.resumed,
        }


@dataclass(frozen=True)
class RunSettings:
    chunk_size: int = 20
    max_in_flight: int = 8
    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    reconcile_attempts: int = 3


@dataclass
class RunStats:
    requests: int = 0
    reconciliations: int = 0
    throttled: int = 0
    sent_edits: set[int] = field(default_factory=set)
    in_flight_edits: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _ChunkAnswer:
    results: list[ItemResult]
    retry_after: float | None = None
    fatal: bool = False


class RunLog(Protocol):
    """The logging calls the engine makes: stdlib loggers and Airflow's task logger both fit."""

    def info(self, msg: Any, /, *args: Any) -> Any: ...

    def warning(self, msg: Any, /, *args: Any) -> Any: ...

    def exception(self, msg: Any, /, *args: Any) -> Any: ...


#: Called once per edit when its status becomes final.
SettleCallback = Callable[[EditRecord], None]


class BatchRun:
    """Apply prepared edits through one client and account for every one of them."""

    def __init__(
        self,
        client: ExchangeClient,
        settings: RunSettings,
        *,
        journal: Journal | None = None,
        log: RunLog | None = None,
        on_settle: SettleCallback | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= settings.chunk_size <= client.max_batch_size:
            raise ValueError(
                f"chunk_size must be between 1 and {client.max_batch_size} for {client.exchange}"
            )
        self.client = client
        self.settings = settings
        self.journal = journal
        self.log: RunLog = log or logging.getLogger(__name__)
        self.on_settle = on_settle
        self.rng = rng or random.Random()
        self.clock = clock
        self.sleep = sleep
        self.stats = RunStats()
        self.records: dict[int, EditRecord] = {}
        self._targets: dict[str, str] = {}
        self._stop = threading.Event()
        self._fatal: str | None = None
        # Attempts made by this try; the report's attempts also count earlier tries.
        self._attempts_now: dict[int, int] = {}
        # Edits whose outcome was once in doubt: a request for them may still be applied late.
        self._doubted: set[int] = set()

    # -- public -----------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Send no further chunks; chunks already in flight still settle."""
        self._stop.set()

    def run(self, edits: Sequence[PreparedEdit]) -> dict[int, EditRecord]:
        """Apply ``edits``; returns one settled record per edit, keyed by input index."""
        for edit in edits:
            self.records[edit.index] = EditRecord(edit.index, edit.order_key, edit.label)
        pending = self._recover(edits)
        if pending:
            self._send_all(pending)
        for record in self.records.values():
            if record.status is None:
                reason = self._fatal or "stopped before this edit was sent"
                self._settle(record, EditStatus.NOT_SENT, message=reason)
        return self.records

    # -- recovery ---------------------------------------------------------------------------

    def _recover(self, edits: Sequence[PreparedEdit]) -> list[PreparedEdit]:
        """Settle what earlier tries finished, reconcile what they left in doubt, return the rest."""
        if self.journal is None:
            return list(edits)
        recovered = self.journal.recover()
        if recovered.entries == 0:
            return list(edits)
        by_index = {edit.index: edit for edit in edits}
        for index in sorted(recovered.settled):
            if index not in by_index:
                continue
            settled = recovered.settled[index]
            record = self.records[index]
            record.attempts = settled.attempts
            record.resumed = True
            if settled.status == EditStatus.MODIFIED.value and settled.order_id:
                self._targets[by_index[index].order_key] = settled.order_id
            self._settle(record, EditStatus(settled.status), settled.order_id, settled.code, settled.message)
        for index, attempts in recovered.attempts.items():
            if index in by_index and self.records[index].status is None:
                self.records[index].attempts = attempts
        in_doubt = [by_index[i] for i in sorted(recovered.in_doubt) if i in by_index]
        self.log.info(
            "Resuming from %d checkpoint entries: %d edits already settled, %d in doubt",
            recovered.entries,
            len(recovered.settled),
            len(in_doubt),
        )
        # An in-doubt edit may have taken effect: ask before anything of its order is sent again.
        for start in range(0, len(in_doubt), self.settings.chunk_size):
            chunk = [self._retargeted(edit) for edit in in_doubt[start : start + self.settings.chunk_size]]
            entry = self.journal.open_entry([])
            retry = self._apply_answer(chunk, _ChunkAnswer(self._reconcile(chunk)))
            self._close_entry(entry, chunk, retry)
        return [edit for edit in edits if self.records[edit.index].status is None]

    # -- sending ----------------------------------------------------------------------------

    def _send_all(self, edits: Sequence[PreparedEdit]) -> None:
        scheduler = ChunkScheduler(edits)
        remaining = len(edits)
        in_flight: dict[Future[_ChunkAnswer], tuple[list[PreparedEdit], int | None]] = {}
        pool = ThreadPoolExecutor(max_workers=self.settings.max_in_flight, thread_name_prefix="batchmod")
        try:
            while remaining > 0:
                if not self._stop.is_set():
                    while len(in_flight) < self.settings.max_in_flight:
                        chunk = scheduler.take(self.settings.chunk_size, self.clock())
                        if not chunk:
                            break
                        chunk = [self._retargeted(edit) for edit in chunk]
                        entry = self.journal.open_entry([e.index for e in chunk]) if self.journal else None
                        for edit in chunk:
                            self.records[edit.index].attempts += 1
                            self._attempts_now[edit.index] = self._attempts_now.get(edit.index, 0) + 1
                            self.stats.sent_edits.add(edit.index)
                            self.stats.in_flight_edits.add(edit.index)
                        in_flight[pool.submit(self._send_chunk, chunk)] = (chunk, entry)
                if not in_flight:
                    due = scheduler.next_due()
                    if self._stop.is_set() or due is None:
                        break
                    self.sleep(max(0.0, due - self.clock()))
                    continue
                due = scheduler.next_due()
                timeout = None if due is None or self._stop.is_set() else max(0.0, due - self.clock())
                done, _ = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
                for future in done:
                    chunk, entry = in_flight.pop(future)
                    self.stats.in_flight_edits.difference_update(e.index for e in chunk)
                    retry = self._apply_answer(chunk, future.result(), scheduler)
                    self._close_entry(entry, chunk, retry)
                    remaining -= len(chunk) - len(retry)
                if self._fatal:
                    self._stop.set()
        except BaseException:
            # A timeout or kill lands here: say what is out there, then let it propagate.
            self._stop.set()
            self.log.warning(
                "Interrupted with %d edits in flight (outcome unknown until the next try reconciles "
                "them): %s; %d edits had been sent in %d requests",
                len(self.stats.in_flight_edits),
                sorted(self.stats.in_flight_edits),
                len(self.stats.sent_edits),
                self.stats.requests,
            )
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)

    def _send_chunk(self, chunk: list[PreparedEdit]) -> _ChunkAnswer:
        """Runs on a worker thread: pace, send one request, reconcile whatever is in doubt."""
        self.stats.requests += 1
        try:
            results = self.client.submit(chunk)
        except TransientRequestError as exc:
            return _ChunkAnswer(
                [ItemResult(e.index, Outcome.RETRY, code=exc.code, message=exc.message) for e in chunk],
                retry_after=exc.retry_after,
            )
        except FatalRequestError as exc:
            return _ChunkAnswer(
                [ItemResult(e.index, Outcome.REJECTED, code=exc.code, message=exc.message) for e in chunk],
                fatal=True,
            )
        except OutcomeUnknownError as exc:
            self.log.warning("Request for %d edits has an unknown outcome (%s); reconciling", len(chunk), exc)
            return _ChunkAnswer(self._reconcile(chunk))
        except Exception:
            # A bug or a response nobody anticipated: the request may have been applied, so ask.
            self.log.exception("Unexpected error sending %d edits; reconciling", len(chunk))
            return _ChunkAnswer(self._reconcile(chunk))
        # A client that forgets an edit must not lose it: a missing answer is an unknown outcome.
        answered = {result.index: result for result in results}
        results = [
            answered.get(e.index) or ItemResult(e.index, Outcome.UNKNOWN, message="no answer") for e in chunk
        ]
        # A resent edit that was once in doubt may be refused because the earlier request was
        # applied after all (late): ask before calling it rejected.
        unknown = [
            edit
            for edit in chunk
            if answered.get(edit.index) is None
            or answered[edit.index].outcome is Outcome.UNKNOWN
            or (edit.index in self._doubted and answered[edit.index].outcome is Outcome.REJECTED)
        ]
        if not unknown:
            return _ChunkAnswer(results)
        reconciled = {r.index: r for r in self._reconcile(unknown)}
        merged: list[ItemResult] = []
        for result in results:
            again = reconciled.get(result.index)
            if again is None or (result.outcome is Outcome.REJECTED and again.outcome is not Outcome.APPLIED):
                merged.append(result)
            else:
                merged.append(again)
        return _ChunkAnswer(merged)

    def _reconcile(self, edits: list[PreparedEdit]) -> list[ItemResult]:
        """Ask the exchange about edits in doubt, a bounded number of times."""
        answers: dict[int, ItemResult] = {}
        self._doubted.update(edit.index for edit in edits)
        asking = list(edits)
        for attempt in range(1, self.settings.reconcile_attempts + 1):
            self.stats.reconciliations += 1
            try:
                results = self.client.reconcile(asking)
            except Exception as exc:
                results = [
                    ItemResult(e.index, Outcome.UNKNOWN, message=f"reconcile failed: {exc}") for e in asking
                ]
            for result in results:
                answers[result.index] = result
            asking = [e for e in asking if answers[e.index].outcome is Outcome.UNKNOWN]
            if not asking:
                break
            if attempt < self.settings.reconcile_attempts:
                self.sleep(self._backoff(attempt, None))
        return [answers[e.index] for e in edits]

    # -- settling ---------------------------------------------------------------------------

    def _apply_answer(
        self, chunk: list[PreparedEdit], answer: _ChunkAnswer, scheduler: ChunkScheduler | None = None
    ) -> list[tuple[int, int]]:
        """Settle or requeue each edit of an answered chunk; returns the requeued (index, attempts).

        Without a scheduler (recovery), requeued edits simply join the edits still to send.
        """
        by_index = {result.index: result for result in answer.results}
        if answer.fatal and chunk:
            first = by_index[chunk[0].index]
            self._fatal = f"not sent: an earlier request failed for good ({first.code}: {first.message})"
        retry: list[tuple[int, int]] = []
        for edit in chunk:
            result = by_index[edit.index]
            record = self.records[edit.index]
            status = self._final_status(result, edit.index, fatal=answer.fatal)
            if status is None:
                retry.append((edit.index, record.attempts))
                if scheduler is not None:
                    delay = self._backoff(self._attempts_now.get(edit.index, 1), answer.retry_after)
                    scheduler.retry_later(edit.index, self.clock() + delay)
                continue
            order_id = None
            if status is EditStatus.MODIFIED:
                order_id = result.order_id or self._targets.get(edit.order_key)
                if order_id:
                    self._targets[edit.order_key] = order_id
            message = result.message
            if status is EditStatus.FAILED and result.outcome is Outcome.RETRY:
                message = f"gave up after {record.attempts} attempts: {result.message or result.code}"
            self._settle(record, status, order_id, result.code, message)
            if scheduler is not None:
                scheduler.settle(edit.index)
        if retry and scheduler is not None:
            self.stats.throttled += 1
            reason = by_index[retry[0][0]]
            self.log.info(
                "%d of %d edits not applied yet (%s); retrying with backoff",
                len(retry),
                len(chunk),
                reason.message or reason.code,
            )
        return retry

    def _final_status(self, result: ItemResult, index: int, *, fatal: bool) -> EditStatus | None:
        """The edit's final status, or None when it should be sent again."""
        if result.outcome is Outcome.APPLIED:
            return EditStatus.MODIFIED
        if result.outcome is Outcome.REJECTED:
            return EditStatus.FAILED if fatal else EditStatus.REJECTED
        if result.outcome is Outcome.UNKNOWN:
            return EditStatus.UNKNOWN
        if self._attempts_now.get(index, 0) >= self.settings.max_attempts:
            return EditStatus.FAILED
        return None

    def _settle(
        self,
        record: EditRecord,
        status: EditStatus,
        order_id: str | None = None,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        record.status = status
        record.order_id = order_id
        record.code = code
        record.message = message
        if self.on_settle is not None:
            self.on_settle(record)

    def _close_entry(
        self, entry: int | None, chunk: list[PreparedEdit], retry: list[tuple[int, int]]
    ) -> None:
        if self.journal is None or entry is None:
            return
        settled = []
        for edit in chunk:
            record = self.records[edit.index]
            if record.status is not None:
                settled.append(
                    (
                        edit.index,
                        SettledEdit(
                            record.status.value, record.order_id, record.code, record.message, record.attempts
                        ),
                    )
                )
        self.journal.close_entry(entry, [e.index for e in chunk], settled, retry)

    def _retargeted(self, edit: PreparedEdit) -> PreparedEdit:
        target = self._targets.get(edit.order_key)
        return self.client.retarget(edit, target) if target else edit

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with equal jitter, never shorter than the exchange asked for."""
        cap = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** max(0, attempt - 1))
        delay: float = cap / 2 + self.rng.uniform(0, cap / 2)
        return max(delay, retry_after or 0.0)
