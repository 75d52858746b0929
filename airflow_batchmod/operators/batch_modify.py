"""``BatchModifyOrdersOperator``: apply a list of order edits on the exchange a connection names.

Every DAG file that uses the operator imports this module at parse time, so the hooks, the engine
and the clients (eth-account, msgpack) load only when a task runs. It names no exchange: the
connection's hook builds the client, spoken to only through ``airflow_batchmod.exchanges.base``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_batchmod.operators.choices import FailOn, OnInvalid, unknown_choice
from airflow_batchmod.operators.lineage import OpenLineageMixin
from airflow_batchmod.operators.links import StoredReportLink, VenueAccountLink
from airflow_batchmod.operators.steering import checked_min_change

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_batchmod.exchanges.base import Preparation
    from airflow_batchmod.hooks.base import ExchangeHook
    from airflow_batchmod.operators.execution import Execution
    from airflow_batchmod.run.engine import BatchRun
    from airflow_batchmod.run.journal import Journal
    from airflow_batchmod.run.records import EditRecord
    from airflow_batchmod.run.redaction import RunLog

#: Reports with more entries than this are shortened in XCom (see ``report_path``).
DEFAULT_INLINE_REPORT_LIMIT = 2000


class BatchModifyOrdersOperator(OpenLineageMixin, BaseOperator):
    """Modify resting orders in batches, within the exchange's limits, and report every edit.

    The connection's type decides the exchange and its hook. Every edit is
    validated and planned against the live book before anything is sent: an edit that would
    change nothing is ``unchanged``, one whose order is no longer open is ``not_open``. Edits
    go out in requests of at most ``chunk_size``; an order listed twice goes in later requests,
    in input order. Edits sent back by the exchange (throttled, server error) are retried
    together after one backoff per failed request; a request whose outcome is unknown is
    reconciled with the exchange before anything is resent. Progress is checkpointed per
    chunk in the task's state store, so a retried task never applies an edit twice; if that
    checkpoint cannot be read, nothing is sent.

    Returns (XCom ``return_value``) a report with one entry per input edit, in input order:
    ``status`` (``modified``, ``unchanged``, ``not_open``, ``would_modify``, ``rejected``,
    ``failed``, ``unknown``, ``invalid``, ``not_sent``), ``order_id`` (on cancel-and-replace
    venues the new order's id), ``before``/``after`` (price and size), ``code``, ``message``, ``attempts``,
    ``resumed`` and ``reconciled``, plus totals.

    :param conn_id: A connection of one of this provider's types (see the README). (templated)
    :param edits: The edits: a list of dicts (or its JSON text), typically an upstream task's
        ``.output``. See the README for each exchange's fields. (templated)
    :param chunk_size: The most edits in one request (capped at what the venue accepts).
    :param max_in_flight: The most requests in flight at once; the exchange's rate limit still
        applies across all of them.
    :param max_attempts: How often one edit may be sent within a task try before it is ``failed``.
    :param on_invalid: ``fail`` (default): any invalid edit fails the task before anything is
        sent. ``skip``: send the valid edits and report the others as ``invalid``.
    :param fail_on: Which outcomes fail the task, after the report is pushed: ``any`` (default)
        edit that is not modified, unchanged or not open; ``any_or_not_open`` also fails on
        orders that were no longer open; ``failed_or_unknown``; or only ``unknown``.
    :param round_to_rules: Round prices and sizes to the exchange's tick and lot rules instead of
        refusing them, where the venue's client supports it.
    :param request_timeout: Seconds to wait for an exchange's answer before the request's outcome
        counts as unknown (connecting gets at most 5 s).
    :param dry_run: Read the book and plan, send nothing: what would be sent is ``would_modify``.
    :param confirm: After the requests settle, read the book until each accepted edit shows
        (``modified``, with ``after``), its order is gone (``rejected``) or ``confirm_timeout``
        passes (``unknown``). Off: ``modified`` means accepted by the exchange.
    :param confirm_timeout: Seconds to keep reading the book for edits not yet shown.
    :param checkpoint: ``resume`` (default): a later try of the task instance continues where
        earlier tries stopped. ``restart``: ignore (and overwrite) earlier tries' progress and
        apply every edit again; Airflow 3.3 keeps the state store when a task is cleared, so use
        this to re-apply after clearing. Any other rendered value fails the task before anything
        is read or sent. (templated)
    :param report_path: Where the full report is written, as an ObjectStoragePath URL such as
        ``s3://bucket/reports``, when it has more than ``inline_report_limit`` entries. Without
        it, nothing is written anywhere: XCom keeps the totals and the entries that need
        attention, and the task log keeps one line per edit. (templated)
    :param inline_report_limit: The most report entries kept in XCom.
    :param min_change: Leave an order alone (``unchanged``) when the edit moves its price by at most
        ``ticks`` ticks and its size by at most ``lots`` lots, or both by at most ``bps`` basis
        points: ``{"ticks": 1, "lots": 0}`` or ``{"bps": 5}``. Unset: every change is sent. (templated)
    :param skip_when_unchanged: End the task as skipped, after pushing the report, when every edit
        is ``unchanged``, so downstream notifications do not fire.

    Each ``Asset`` in ``outlets`` gets the report's totals, requests, duration, exchange and
    conn_id in its asset event's ``extra``."""

    template_fields: Sequence[str] = ("conn_id", "edits", "report_path", "checkpoint", "min_change")
    template_fields_renderers = {"edits": "json"}
    ui_color = "#f2e6c9"
    operator_extra_links = (VenueAccountLink(), StoredReportLink())

    def __init__(
        self,
        *,
        conn_id: str,
        edits: Any,
        chunk_size: int = 20,
        max_in_flight: int = 8,
        max_attempts: int = 5,
        on_invalid: OnInvalid = "fail",
        fail_on: FailOn = "any",
        round_to_rules: bool = False,
        request_timeout: float = 15.0,
        dry_run: bool = False,
        confirm: bool = True,
        confirm_timeout: float = 10.0,
        checkpoint: str = "resume",  # a Checkpoint once rendered: it is templated
        report_path: str | None = None,
        inline_report_limit: int = DEFAULT_INLINE_REPORT_LIMIT,
        min_change: dict[str, Any] | str | None = None,
        skip_when_unchanged: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # Templated choices are only known once rendered: execute checks those.
        for name, value in (("on_invalid", on_invalid), ("fail_on", fail_on), ("checkpoint", checkpoint)):
            problem = None if name in self.template_fields else unknown_choice(name, value)
            if problem:
                raise ValueError(problem)
        if chunk_size < 1 or max_in_flight < 1 or max_attempts < 1:
            raise ValueError("chunk_size, max_in_flight and max_attempts must be at least 1")
        if request_timeout <= 0 or confirm_timeout < 0:
            raise ValueError("request_timeout must be positive and confirm_timeout not negative")
        self.conn_id = conn_id
        self.edits = edits
        self.chunk_size = chunk_size
        self.max_in_flight = max_in_flight
        self.max_attempts = max_attempts
        self.on_invalid = on_invalid
        self.fail_on = fail_on
        self.round_to_rules = round_to_rules
        self.request_timeout = request_timeout
        # BaseOperator.dry_run() is a method (it renders templates), so the flag has its own name.
        self.is_dry_run = dry_run
        self.confirm = confirm
        self.confirm_timeout = confirm_timeout
        self.checkpoint = checkpoint
        self.report_path = report_path
        self.inline_report_limit = inline_report_limit
        self.min_change = checked_min_change(min_change)
        self.skip_when_unchanged = skip_when_unchanged
        #: The execution under way, for ``on_kill`` (which Airflow calls from another thread).
        self._execution: Execution | None = None

    @cached_property
    def hook(self) -> ExchangeHook:
        """The connection's hook, chosen by the connection's type (fetched once)."""
        from airflow_batchmod.operators.connection import exchange_hook

        return exchange_hook(self.conn_id)

    # -- Airflow entry points ------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_batchmod.operators.asset_events import annotate_outlet_events
        from airflow_batchmod.operators.edit_input import read_edits
        from airflow_batchmod.operators.metrics import emit_failed_without_report, emit_run_metrics
        from airflow_batchmod.operators.run_outcome import record_outcome
        from airflow_batchmod.operators.steering import min_change_rule, skip_when_nothing_changed
        from airflow_batchmod.run.planning import planned_records
        from airflow_batchmod.run.tolerance import apply_min_change

        started = time.monotonic()
        try:
            self._check_rendered_choices()
            raw_edits = read_edits(self.edits)
            min_change = min_change_rule(self.min_change)
            execution = self._execution = self._start(context, raw_edits, started)
            try:
                preparation = apply_min_change(self._prepare(execution), min_change)
                planned = planned_records(preparation, execution.scrub)
                self._refuse_invalid_edits(execution, preparation, planned)
                records = self._apply(execution, preparation, planned)
            finally:
                execution.client.close()
            report = self._report(execution, records)
        except Exception:
            # No report to count from (bad input, an unusable connection, an unreadable book or
            # journal): still tell the desk's metrics that a run failed.
            emit_failed_without_report(
                self.conn_id, self._execution.client.exchange if self._execution else None
            )
            raise
        annotate_outlet_events(self.outlets, context.get("outlet_events"), report)
        emit_run_metrics(report, execution.halt())
        record_outcome(self, execution.client, report)
        self._decide_failure(execution, report, records)
        if self.skip_when_unchanged:
            skip_when_nothing_changed(report, lambda: self._push(context, report))
        return report

    def on_kill(self) -> None:
        run = self._execution.run if self._execution else None
        if run is None or not run.stats.sent_edits:
            self.log.warning("Killed before any edit was sent")
            if run is not None:
                run.request_stop()
            return
        run.request_stop()
        in_flight = sorted(run.stats.in_flight_edits)
        self.log.warning(
            "Killed: no further edits will be sent; %d edits were sent%s",
            len(run.stats.sent_edits),
            f", {len(in_flight)} still in flight (the next try asks the exchange about them): {in_flight}"
            if in_flight
            else "",
        )

    # -- the steps of execute, in order --------------------------------------------------

    def _check_rendered_choices(self) -> None:
        """A templated choice that rendered to something unknown fails before anything is read."""
        for name in self.template_fields:
            problem = unknown_choice(name, getattr(self, name))
            if problem:
                raise AirflowFailException(f"{problem}; nothing was read or sent")

    def _start(self, context: Context, raw_edits: list[Any], started: float) -> Execution:
        """Build the connection's client and the scrubber for its secrets."""
        from airflow_batchmod.operators.execution import Execution
        from airflow_batchmod.run.redaction import RedactingLog, Scrubber

        try:
            client = self.hook.get_client(
                request_timeout=self.request_timeout,
                max_connections=self.max_in_flight + 2,
                round_to_rules=self.round_to_rules,
            )
        except (ValueError, TypeError) as exc:
            raise AirflowFailException(f"Connection {self.conn_id!r} is not usable: {exc}") from None
        scrub = Scrubber(client.secrets())
        return Execution(context, raw_edits, client, scrub, RedactingLog(self.log, scrub), started)

    def _prepare(self, execution: Execution) -> Preparation:
        from airflow_batchmod.exchanges.base import ExchangeError, FatalRequestError

        client, scrub = execution.client, execution.scrub
        try:
            return client.prepare(execution.raw_edits)
        except ExchangeError as exc:
            # The contract allows only MetadataError here; any exchange error means the same:
            # nothing could be planned, so nothing was sent.
            if isinstance(exc, FatalRequestError):  # refused for good (credentials): no retry helps
                raise AirflowFailException(
                    f"{client.exchange} refused to show the book; nothing was sent: {scrub(str(exc))}"
                ) from None
            raise AirflowException(
                f"Could not read {client.exchange} metadata or book; nothing was sent: {scrub(str(exc))}"
            ) from None

    def _refuse_invalid_edits(
        self, execution: Execution, preparation: Preparation, planned: list[EditRecord]
    ) -> None:
        """Under ``on_invalid="fail"``, any invalid edit fails the task before anything is sent."""
        from airflow_batchmod.run.planning import not_sent_records

        problems = preparation.problems
        if not problems or self.on_invalid == "skip":
            return
        not_sent = not_sent_records(preparation, "another edit is invalid")
        self._push(execution.context, self._report(execution, planned + not_sent))
        details = "\n".join(f"  - {execution.scrub(p.describe())}" for p in problems[:50])
        more = len(problems) - 50
        raise AirflowFailException(
            f"{len(problems)} of {len(execution.raw_edits)} edits are invalid; nothing was sent:\n"
            f"{details}" + (f"\n  ... and {more} more (see the report)" if more > 0 else "")
        )

    def _apply(
        self, execution: Execution, preparation: Preparation, planned: list[EditRecord]
    ) -> list[EditRecord]:
        """Send the planned edits or, in a dry run, only list them; returns every edit's record."""
        from airflow_batchmod.run.planning import dry_run_records

        if self.is_dry_run:
            would = dry_run_records(preparation, execution.scrub)
            self._log_records(self.log, [*planned, *would])
            return would + planned
        return self._send(execution, preparation, planned)

    def _send(
        self, execution: Execution, preparation: Preparation, planned: list[EditRecord]
    ) -> list[EditRecord]:
        """Judge the plan against earlier tries, send what is left, confirm, and journal every outcome."""
        from airflow_batchmod.operators.task_journal import open_journal, resume_from
        from airflow_batchmod.run.confirmation import confirm_run
        from airflow_batchmod.run.resume import settled_entries

        journal = open_journal(execution, self.conn_id, restart=self.checkpoint == "restart")
        resumption = execution.resumption = resume_from(journal, execution, preparation, planned)
        settled_without_sending = execution.scrub.records(resumption.records)
        self._log_records(execution.log, settled_without_sending)
        run = execution.run = self._batch_run(execution, journal)
        self.log.info(
            "Applying %d edits on %s in requests of up to %d (%d settled without sending)",
            len(resumption.edits),
            execution.client.exchange,
            run.settings.chunk_size,
            len(settled_without_sending),
        )
        settled = run.run(
            resumption.edits,
            in_doubt=resumption.in_doubt,
            earlier_attempts=resumption.earlier_attempts,
            order_ids=resumption.order_ids,
        )
        if self.confirm:
            confirmed = confirm_run(run, resumption.edits, timeout=self.confirm_timeout, log=execution.log)
            self._log_records(execution.log, confirmed)
        records = execution.scrub.records(list(settled.values())) + settled_without_sending
        if journal is not None:
            # Every outcome this try learned, so a later try (or a clear) does not act on it again.
            journal.record_outcomes(settled_entries(records))
        return records

    def _batch_run(self, execution: Execution, journal: Journal | None) -> BatchRun:
        """The engine for this execution, logging through the scrubber and settling into the log."""
        from airflow_batchmod.run.engine import BatchRun, RunSettings
        from airflow_batchmod.run.report import log_line

        client, log = execution.client, execution.log
        return BatchRun(
            client,
            RunSettings(
                chunk_size=min(self.chunk_size, client.max_batch_size),
                max_in_flight=self.max_in_flight,
                max_attempts=self.max_attempts,
            ),
            journal=journal,
            log=log,
            on_settle=lambda record: log.info("%s", log_line(record)),
        )

    def _report(self, execution: Execution, records: list[EditRecord]) -> dict[str, Any]:
        from airflow_batchmod.operators.report_storage import store_task_report
        from airflow_batchmod.run.report import build_report, shorten_for_xcom, summary_table

        stats, halt, exchange = execution.stats(), execution.halt(), execution.client.exchange
        report = build_report(
            records,
            exchange=exchange,
            conn_id=self.conn_id,
            requests=stats.requests,
            duration_seconds=time.monotonic() - execution.started,
            reconciliations=execution.reconciliations(),
            throttled_requests=stats.throttled,
            server_errors=stats.server_errors,
            stop_reason=execution.scrub(halt.reason) if halt else None,
            dry_run=self.is_dry_run,
        )
        self.log.info("Summary for %s on %s:\n%s", self.task_id, exchange, summary_table(report))
        if len(report["edits"]) <= self.inline_report_limit:
            return report
        location = None
        if self.report_path:
            location = store_task_report(report, self.report_path, execution.context["ti"])
            self.log.info("Full report with %d entries written to %s", len(report["edits"]), location)
        return shorten_for_xcom(report, limit=self.inline_report_limit, location=location)

    def _decide_failure(
        self, execution: Execution, report: dict[str, Any], records: list[EditRecord]
    ) -> None:
        """Push the report, then fail when the outcome calls for it."""
        from airflow_batchmod.operators.failure import task_failure

        if self.is_dry_run:
            return
        failure = task_failure(report, records, execution.halt(), self.fail_on)
        if failure is not None:
            self._push(execution.context, report)
            raise failure

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _log_records(log: RunLog, records: list[EditRecord]) -> None:
        """One line per edit in the task log."""
        from airflow_batchmod.run.report import log_line

        for record in records:
            log.info("%s", log_line(record))

    def _push(self, context: Context, report: dict[str, Any]) -> None:
        """Push the report before failing, so downstream tasks and people can see it."""
        if self.do_xcom_push:
            context["ti"].xcom_push(key="return_value", value=report)
