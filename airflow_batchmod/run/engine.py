"""The exchange-neutral batch run: chunking, retries, reconciliation and checkpoints.

No Airflow imports: the operator wraps this, and tests and benchmarks drive it directly.

Worker threads only send one request (the client paces it within the venue's limits), reconcile
what it left in doubt and return what they saw (:class:`ChunkAnswer`). Everything else (records, statistics, the scheduler, the
journal, the set of once-doubted edits) is read and written by the thread that calls
:meth:`BatchRun.run` alone, so no lock is needed. ``on_kill`` and
``request_stop`` run elsewhere and only read statistics or set the stop event.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from airflow_batchmod.exchanges.backoff import Backoff
from airflow_batchmod.exchanges.base import (
    BudgetExhaustedError,
    ExchangeClient,
    ExchangeError,
    FailureKind,
    Outcome,
    PreparedEdit,
)
from airflow_batchmod.run.journal import CheckpointWriteError, Journal, SettledEdit
from airflow_batchmod.run.records import MAY_STILL_LAND, EditRecord, EditStatus, Halt, final_status
from airflow_batchmod.run.redaction import RunLog
from airflow_batchmod.run.schedule import ChunkScheduler, one_edit_per_order
from airflow_batchmod.run.sending import ChunkAnswer, ChunkSender


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
    #: Requests answered with HTTP 429 or a busy code (for the whole request or some of its edits).
    throttled: int = 0
    #: Requests answered with HTTP 5xx.
    server_errors: int = 0
    sent_edits: set[int] = field(default_factory=set)
    in_flight_edits: set[int] = field(default_factory=set)


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
        self._backoff = Backoff(settings.backoff_base, settings.backoff_max, self.rng)
        self.clock = clock
        self.sleep = sleep
        self._sender = ChunkSender(
            client,
            reconcile_attempts=settings.reconcile_attempts,
            backoff=self._backoff,
            sleep=sleep,
            log=self.log,
            clock=clock,
        )
        self.stats = RunStats()
        self.records: dict[int, EditRecord] = {}
        #: Set when sending stopped early for a reason the report must give.
        self.halt: Halt | None = None
        self._targets: dict[str, str] = {}
        self._stop = threading.Event()
        # Attempts made by this try; the report's attempts also count earlier tries.
        self._attempts_now: dict[int, int] = {}
        # Edits whose outcome was once in doubt: a request for them may still be applied late.
        self._doubted: set[int] = set()

    # -- public -----------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Send no further chunks; chunks already in flight still settle."""
        self._stop.set()

    def run(
        self,
        edits: Sequence[PreparedEdit],
        *,
        in_doubt: Collection[int] = (),
        earlier_attempts: Mapping[int, int] | None = None,
        order_ids: Mapping[str, str] | None = None,
    ) -> dict[int, EditRecord]:
        """Apply ``edits``; returns one settled record per edit, keyed by input index.

        ``in_doubt`` were sent by an earlier try that never heard back: the exchange is asked
        about them before anything of their order is sent. ``earlier_attempts`` counts earlier
        tries' sends; ``order_ids`` maps an order key to the order an earlier try's edit left.
        """
        attempts = earlier_attempts or {}
        started = self.clock()
        self._targets.update(order_ids or {})
        for edit in edits:
            self.records[edit.index] = EditRecord(
                edit.index,
                edit.order_key,
                edit.label,
                before=edit.before,
                wanted=edit.wanted,
                attempts=attempts.get(edit.index, 0),
            )
        try:
            pending = self._ask_about(edits, in_doubt)
        except CheckpointWriteError as exc:
            self._halt(Halt(str(exc), EditStatus.NOT_SENT, retryable=True))
            pending = []
        if pending and self._budget_allows(len(pending)):
            # An earlier try's request, sent before this try began, may still land until then.
            self._send_all(pending, dict.fromkeys(self._doubted, started + self.client.late_apply_seconds))
        for record in self.records.values():
            if record.status is not None:
                continue
            if record.index in self._doubted:
                self._settle(record, EditStatus.UNKNOWN, message=MAY_STILL_LAND)
            elif self.halt is not None:
                self._settle(record, self.halt.unsent, message=self.halt.unsent_message)
            else:
                self._settle(record, EditStatus.NOT_SENT, message="stopped before this edit was sent")
        return self.records

    # -- recovery ---------------------------------------------------------------------------

    def _ask_about(self, edits: Sequence[PreparedEdit], in_doubt: Collection[int]) -> list[PreparedEdit]:
        """Reconcile the edits an earlier try left in doubt; returns the edits still to send."""
        doubtful = [edit for edit in edits if edit.index in in_doubt]
        if not doubtful:
            return list(edits)
        # An in-doubt edit may have taken effect: ask before anything of its order is sent again.
        # One question for all of them: the venue answers many orders per list read.
        for batch in one_edit_per_order(doubtful):
            chunk = [self._retargeted(edit) for edit in batch]
            entry = self.journal.open_entry([]) if self.journal else None
            answer = self._sender.reconciled_answer(chunk, None, requests=0)
            self._count(answer)
            retry = self._apply_answer(chunk, answer)
            self._close_entry(entry, chunk, retry, answer)
        return [edit for edit in edits if self.records[edit.index].status is None]

    def _budget_allows(self, edit_count: int) -> bool:
        if edit_count <= self.settings.chunk_size:
            # One request: a venue refuses it whole when over budget, with the same numbers, so a
            # pre-check would only add a read.
            return True
        try:
            self.client.check_budget(edit_count)
        except BudgetExhaustedError as exc:
            self._halt(Halt(exc.message, EditStatus.FAILED, retryable=False))
            return False
        except ExchangeError as exc:
            self._halt(
                Halt(f"the request budget could not be read: {exc}", EditStatus.NOT_SENT, retryable=True)
            )
            return False
        return True

    # -- sending ----------------------------------------------------------------------------

    def _send_all(self, edits: Sequence[PreparedEdit], held: Mapping[int, float]) -> None:
        scheduler = ChunkScheduler(edits, held)
        remaining = len(edits)
        in_flight: dict[Future[ChunkAnswer], tuple[list[PreparedEdit], int | None]] = {}
        pool = ThreadPoolExecutor(max_workers=self.settings.max_in_flight, thread_name_prefix="batchmod")
        try:
            while remaining > 0:
                if not self._stop.is_set():
                    self._launch(scheduler, pool, in_flight)
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
                    answer = future.result()
                    self._count(answer)
                    retry = self._apply_answer(chunk, answer, scheduler)
                    self._close_entry(entry, chunk, retry, answer)
                    remaining -= len(chunk) - len(retry)
                    if answer.halt is not None:
                        self._halt(answer.halt)
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

    def _launch(
        self,
        scheduler: ChunkScheduler,
        pool: ThreadPoolExecutor,
        in_flight: dict[Future[ChunkAnswer], tuple[list[PreparedEdit], int | None]],
    ) -> None:
        """Send due chunks until ``max_in_flight`` requests are out or nothing is due."""
        while len(in_flight) < self.settings.max_in_flight:
            chunk = scheduler.take(self.settings.chunk_size, self.clock())
            if not chunk:
                return
            chunk = [self._retargeted(edit) for edit in chunk]
            try:
                entry = self.journal.open_entry([e.index for e in chunk]) if self.journal else None
            except CheckpointWriteError as exc:
                # A journal that cannot record intent is no journal: send nothing more.
                self._halt(Halt(str(exc), EditStatus.NOT_SENT, retryable=True))
                return
            for edit in chunk:
                self.records[edit.index].attempts += 1
                self._attempts_now[edit.index] = self._attempts_now.get(edit.index, 0) + 1
                self.stats.sent_edits.add(edit.index)
                self.stats.in_flight_edits.add(edit.index)
            doubted = frozenset(e.index for e in chunk if e.index in self._doubted)
            # The worker thread only sends (see ChunkSender); its answer is applied on this thread.
            in_flight[pool.submit(self._sender.send, chunk, doubted)] = (chunk, entry)

    # -- settling ---------------------------------------------------------------------------

    def _count(self, answer: ChunkAnswer) -> None:
        self.stats.requests += answer.requests
        self.stats.reconciliations += answer.reconciliations
        if answer.failure is FailureKind.THROTTLED or answer.busy_items:
            self.stats.throttled += 1
        elif answer.failure is FailureKind.SERVER_ERROR:
            self.stats.server_errors += 1
        self._doubted.update(answer.reconciled)

    def _halt(self, halt: Halt) -> None:
        """Stop sending; the first reason is the one reported."""
        if self.halt is None:
            self.halt = halt
            self.log.warning("Sending stopped: %s", halt.reason)
        self._stop.set()

    def _apply_answer(
        self, chunk: list[PreparedEdit], answer: ChunkAnswer, scheduler: ChunkScheduler | None = None
    ) -> list[tuple[int, int]]:
        """Settle or requeue each edit of an answered chunk; returns the requeued (index, attempts).

        Requeued edits wait out one backoff together, so they go out again in full requests.
        Without a scheduler (recovery), requeued edits simply join the edits still to send.
        """
        by_index = {result.index: result for result in answer.results}
        retry: list[tuple[int, int]] = []
        for edit in chunk:
            result = by_index[edit.index]
            record = self.records[edit.index]
            if edit.index in answer.unsent:  # the book settled it before the resend went out
                record.attempts -= 1
                self._attempts_now[edit.index] -= 1
            status = final_status(
                result,
                attempts_left=self._attempts_now.get(edit.index, 0) < self.settings.max_attempts,
                halted=answer.halt is not None,
                from_book=edit.index in answer.reconciled,
            )
            if status is None:
                retry.append((edit.index, record.attempts))
                continue
            order_id = None
            if status is EditStatus.MODIFIED:
                order_id = result.order_id or self._targets.get(edit.order_key)
                if order_id:
                    self._targets[edit.order_key] = order_id
            message = result.message
            if status is EditStatus.FAILED and result.outcome is Outcome.RETRY:
                message = f"gave up after {record.attempts} attempts: {result.message or result.code}"
            if edit.index in answer.reconciled:
                record.reconciled = True
                message = message or f"the exchange shows the edit applied (order {order_id})"
            record.original_filled = result.original_filled
            self._settle(record, status, order_id, result.code, message)
            if scheduler is not None:
                # An unknown outcome may still land: the order's next edit waits for the window.
                held = answer.resend_not_before if status is EditStatus.UNKNOWN else None
                scheduler.settle(edit.index, not_before=held)
        if retry and scheduler is not None:
            self._requeue(scheduler, [index for index, _ in retry], len(chunk), answer)
        return retry

    def _requeue(self, scheduler: ChunkScheduler, retry: list[int], sent: int, answer: ChunkAnswer) -> None:
        """Send ``retry`` again together after one backoff, and never while the venue may still
        apply the request that left them in doubt."""
        attempt = max(self._attempts_now.get(index, 1) for index in retry)
        now = self.clock()
        due = now + self._backoff(attempt, answer.retry_after)
        if answer.resend_not_before is not None and answer.resend_not_before > due:
            due = answer.resend_not_before
            self.log.info(
                "%d of %d edits not applied yet, but the request may still land late; asking again "
                "in %.2f s, before any resend",
                len(retry),
                sent,
                due - now,
            )
        else:
            reason = next(r for r in answer.results if r.index == retry[0])
            self.log.info(
                "%d of %d edits not applied yet (%s); retrying them together in %.2f s",
                len(retry),
                sent,
                reason.message or reason.code,
                due - now,
            )
        scheduler.retry_later(retry, due)

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
        self, entry: int | None, chunk: list[PreparedEdit], retry: list[tuple[int, int]], answer: ChunkAnswer
    ) -> None:
        if self.journal is None or entry is None:
            return
        settled = [
            (edit.index, self._settled(record))
            for edit in chunk
            if (record := self.records[edit.index]).status is not None
        ]
        # Only an answer proves "not applied": an edit the book shows unapplied after a lost answer
        # stays in doubt, so a try killed while it waits leaves the next try to ask first.
        unapplied = [index for index, _ in retry if index not in answer.reconciled]
        self.journal.close_entry(entry, [e.index for e in chunk], settled, unapplied)

    @staticmethod
    def _settled(record: EditRecord) -> SettledEdit:
        status = record.status.value if record.status else "unknown"
        return SettledEdit(status, record.order_id, record.code, record.message, record.attempts)

    def _retargeted(self, edit: PreparedEdit) -> PreparedEdit:
        target = self._targets.get(edit.order_key)
        return self.client.retarget(edit, target) if target else edit
