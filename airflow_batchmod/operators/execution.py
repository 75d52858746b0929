"""What one call of ``BatchModifyOrdersOperator.execute`` works on, handed from step to step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_batchmod.exchanges.base import ExchangeClient
    from airflow_batchmod.run.engine import BatchRun, RunStats
    from airflow_batchmod.run.records import Halt
    from airflow_batchmod.run.redaction import RedactingLog, Scrubber
    from airflow_batchmod.run.resume import Resumption


@dataclass
class Execution:
    """One execution's inputs, client and run: every step reads it, none keeps state elsewhere."""

    context: Context
    raw_edits: list[Any]
    client: ExchangeClient
    scrub: Scrubber
    #: The task logger with the client's secrets taken out.
    log: RedactingLog
    #: ``time.monotonic()`` when ``execute`` was called, for the report's duration.
    started: float
    #: The batch run, once sending starts (``on_kill`` reads it from another thread).
    run: BatchRun | None = None
    #: What this try makes of earlier tries' progress, once the journal is read.
    resumption: Resumption | None = None

    def stats(self) -> RunStats:
        """The run's request counts; all zero when nothing was sent."""
        from airflow_batchmod.run.engine import RunStats

        return self.run.stats if self.run else RunStats()

    def reconciliations(self) -> int:
        """Times the exchange was asked about edits in doubt, the plan's book read included."""
        earlier = self.resumption.book_reconciliations if self.resumption else 0
        return self.stats().reconciliations + earlier

    def halt(self) -> Halt | None:
        """Why sending stopped early, if it did."""
        return self.run.halt if self.run else None
