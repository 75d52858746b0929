"""One request for one chunk, as a worker thread sees it: send, classify, reconcile.

Nothing here touches run state. A worker returns a :class:`ChunkAnswer` and the engine's
main thread applies it (statuses, statistics, the journal), so the answer carries everything
the run must learn from the request.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

from airflow_batchmod.exchanges.backoff import Backoff
from airflow_batchmod.exchanges.base import (
    BudgetExhaustedError,
    ExchangeClient,
    FailureKind,
    FatalRequestError,
    ItemResult,
    Outcome,
    OutcomeUnknownError,
    PreparedEdit,
    TransientRequestError,
)
from airflow_batchmod.run.records import EditStatus, Halt
from airflow_batchmod.run.redaction import RunLog


@dataclass(frozen=True)
class ChunkAnswer:
    """What one worker saw for one chunk; the main thread applies it to the run state."""

    results: list[ItemResult]
    retry_after: float | None = None
    #: Why the request failed as a whole, if it did.
    failure: FailureKind | None = None
    #: Some edits were sent back with a busy code while the request itself was answered.
    busy_items: bool = False
    halt: Halt | None = None
    requests: int = 1
    reconciliations: int = 0
    #: Edits whose results come from asking the exchange, not from the request's answer.
    reconciled: frozenset[int] = frozenset()
    #: The request left edits in doubt that the book shows not applied (or could not show): the
    #: venue may still apply it until this time (the run's clock), so neither they nor a later
    #: edit of their orders are sent before it.
    resend_not_before: float | None = None
    #: Once-doubted edits the book showed settled before the resend: they were not sent again.
    unsent: frozenset[int] = frozenset()


class ChunkSender:
    """Sends one chunk and turns whatever happened into a :class:`ChunkAnswer`. Thread-safe:
    it keeps no state of its own."""

    def __init__(
        self,
        client: ExchangeClient,
        *,
        reconcile_attempts: int,
        backoff: Backoff,
        sleep: Callable[[float], None],
        log: RunLog,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.reconcile_attempts = reconcile_attempts
        self.backoff = backoff
        self.sleep = sleep
        self.log = log
        self.clock = clock

    def send(self, chunk: list[PreparedEdit], doubted: frozenset[int]) -> ChunkAnswer:
        """Send one request; ``doubted`` names the edits of the chunk that were once in doubt.

        A once-doubted edit is asked about first, and sent again only while the book still shows
        it not applied: the earlier request may have landed since.
        """
        known, asked = self.ask_before_resending([e for e in chunk if e.index in doubted])
        to_send = [edit for edit in chunk if edit.index not in known]
        if not to_send:
            return ChunkAnswer(
                list(known.values()),
                requests=0,
                reconciliations=asked,
                reconciled=frozenset(known),
                unsent=frozenset(known),
            )
        answer = self.submit(to_send, doubted)
        if not asked:
            return answer
        sent = {result.index: result for result in answer.results}
        return dataclasses.replace(
            answer,
            results=[known.get(edit.index) or sent[edit.index] for edit in chunk],
            reconciliations=answer.reconciliations + asked,
            reconciled=answer.reconciled | frozenset(known),
            unsent=frozenset(known),
        )

    def ask_before_resending(self, doubted: list[PreparedEdit]) -> tuple[dict[int, ItemResult], int]:
        """The once-doubted edits the exchange now shows settled (applied, refused, gone or
        unknowable), and how many times it was asked; the rest may be sent again."""
        if not doubted:
            return {}, 0
        results, asked = self.reconcile(doubted)
        return {r.index: r for r in results if r.outcome is not Outcome.RETRY}, asked

    def submit(self, chunk: list[PreparedEdit], doubted: frozenset[int]) -> ChunkAnswer:
        """One request for ``chunk``, its answer classified and any doubt it leaves asked about.

        A late-apply window runs from when ``client.submit`` returned or raised: a client may send
        more than once inside it (to isolate a refused item, a client may split the batch).
        """
        try:
            results = self.client.submit(chunk)
        except TransientRequestError as exc:
            return ChunkAnswer(
                [ItemResult(e.index, Outcome.RETRY, code=exc.code, message=exc.message) for e in chunk],
                retry_after=exc.retry_after,
                failure=exc.kind,
            )
        except (FatalRequestError, BudgetExhaustedError) as exc:
            return ChunkAnswer(
                [ItemResult(e.index, Outcome.REJECTED, code=exc.code, message=exc.message) for e in chunk],
                failure=exc.kind,
                halt=_halt_for(exc),
            )
        except OutcomeUnknownError as exc:
            answered_at = self.clock()
            self.log.warning("Request for %d edits has an unknown outcome (%s); reconciling", len(chunk), exc)
            return self.held(self.reconciled_answer(chunk, exc.kind), answered_at)
        except Exception:
            answered_at = self.clock()
            # A bug or a response nobody anticipated: the request may have been applied, so ask.
            self.log.exception("Unexpected error sending %d edits; reconciling", len(chunk))
            return self.held(self.reconciled_answer(chunk, FailureKind.OTHER), answered_at)
        answered_at = self.clock()
        # A client that forgets an edit must not lose it: a missing answer is an unknown outcome.
        answered = {result.index: result for result in results}
        results = [
            answered.get(e.index) or ItemResult(e.index, Outcome.UNKNOWN, message="no answer") for e in chunk
        ]
        busy = any(result.outcome is Outcome.RETRY for result in results)
        # A resent edit that was once in doubt may be refused because the earlier request was
        # applied after all (late): ask before calling it rejected.
        unknown = [
            edit
            for edit, result in zip(chunk, results, strict=True)
            if result.outcome is Outcome.UNKNOWN
            or (edit.index in doubted and result.outcome is Outcome.REJECTED)
        ]
        if not unknown:
            return ChunkAnswer(results, busy_items=busy)
        again, asked = self.reconcile(unknown)
        reconciled = {r.index: r for r in again}
        merged: list[ItemResult] = []
        for result in results:
            found = reconciled.get(result.index)
            if found is None or (result.outcome is Outcome.REJECTED and found.outcome is not Outcome.APPLIED):
                merged.append(result)
            else:
                merged.append(found)
        by_asking = frozenset(r.index for r in merged if reconciled.get(r.index) is r)
        answer = ChunkAnswer(merged, busy_items=busy, reconciliations=asked, reconciled=by_asking)
        return self.held(answer, answered_at)

    def held(self, answer: ChunkAnswer, answered_at: float) -> ChunkAnswer:
        """``answer``, with the time before which its doubted edits the book does not show applied
        (not yet, or unknown) must not be followed by another request for their orders."""
        open_doubt = (Outcome.RETRY, Outcome.UNKNOWN)
        if not any(r.outcome in open_doubt and r.index in answer.reconciled for r in answer.results):
            return answer
        return dataclasses.replace(answer, resend_not_before=answered_at + self.client.late_apply_seconds)

    def reconciled_answer(
        self, chunk: list[PreparedEdit], failure: FailureKind | None, *, requests: int = 1
    ) -> ChunkAnswer:
        """The answer for a chunk whose request said nothing certain: ask the exchange."""
        results, asked = self.reconcile(chunk)
        return ChunkAnswer(
            results,
            failure=failure,
            requests=requests,
            reconciliations=asked,
            reconciled=frozenset(e.index for e in chunk),
        )

    def reconcile(self, edits: list[PreparedEdit]) -> tuple[list[ItemResult], int]:
        """Ask the exchange about edits in doubt, a bounded number of times.

        Returns one result per edit and the number of times the exchange was asked.
        """
        answers: dict[int, ItemResult] = {}
        asking = list(edits)
        asked = 0
        for attempt in range(1, self.reconcile_attempts + 1):
            asked += 1
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
            if attempt < self.reconcile_attempts:
                self.sleep(self.backoff(attempt))
        return [answers[e.index] for e in edits], asked


def _halt_for(exc: FatalRequestError | BudgetExhaustedError) -> Halt:
    """A spent budget fails every unsent edit; a request refused for good leaves them unsent."""
    if isinstance(exc, BudgetExhaustedError):
        return Halt(exc.message, EditStatus.FAILED, retryable=False)
    return Halt(f"a request was refused for good ({exc.code}: {exc.message})", EditStatus.NOT_SENT, False)
