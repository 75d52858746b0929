"""``BatchModifyOrdersOperator``: apply a list of order edits on the exchange a connection names.

Every DAG file that uses the operator imports this module at parse time, so the hooks, the engine
and the clients (eth-account, msgpack) load only when a task runs. It names no exchange: the
connection's hook builds the client, spoken to only through ``airflow_batchmod.exchanges.base``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, get_args

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_batchmod.operators.lineage import OpenLineageMixin
from airflow_batchmod.operators.links import StoredReportLink, VenueAccountLink
from airflow_batchmod.operators.steering import checked_min_change

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_batchmod.exchanges.base import ExchangeClient, Preparation
    from airflow_batchmod.hooks.base import ExchangeHook
    from airflow_batchmod.run.engine import BatchRun
    from airflow_batchmod.run.journal import Journal
    from airflow_batchmod.run.records import EditRecord
    from airflow_batchmod.run.redaction import Scrubber

FailOn = Literal["any", "any_or_not_open", "failed_or_unknown", "unknown"]
OnInvalid = Literal["fail", "skip"]
Checkpoint = Literal["resume", "restart"]

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
        this to re-apply after clearing. (templated)
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

    _scrub: Scrubber

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
        checkpoint: Checkpoint = "resume",
        report_path: str | None = None,
        inline_report_limit: int = DEFAULT_INLINE_REPORT_LIMIT,
        min_change: dict[str, Any] | str | None = None,
        skip_when_unchanged: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for name, value, allowed in (("on_invalid", on_invalid, OnInvalid), ("fail_on", fail_on, FailOn)):
            if value not in get_args(allowed):
                raise ValueError(f"{name} must be one of {', '.join(map(repr, get_args(allowed)))}")
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
        # BaseOperator.dry_run() is a method (it renders templates), so the flag lives apart.
        self.plan_only = dry_run
        self.confirm = confirm
        self.confirm_timeout = confirm_timeout
        self.checkpoint = checkpoint
        self.report_path = report_path
        self.inline_report_limit = inline_report_limit
        self.min_change = checked_min_change(min_change)
        self.skip_when_unchanged = skip_when_unchanged
        self._run: BatchRun | None = None

    @cached_property
    def hook(self) -> ExchangeHook:
        """The connection's hook, chosen by the connection's type (fetched once)."""
        from airflow.sdk import BaseHook

        from airflow_batchmod.get_provider_info import get_provider_info
        from airflow_batchmod.hooks.base import ExchangeHook

        conn = BaseHook.get_connection(self.conn_id)
        known = sorted(t["connection-type"] for t in get_provider_info()["connection-types"])
        if conn.conn_type not in known:
            raise AirflowFailException(
                f"Connection {self.conn_id!r} has type {conn.conn_type!r}, which this provider does not "
                f"know; use a connection of type {' or '.join(known)}"
            )
        hook = conn.get_hook(hook_params={"connection": conn})  # type: ignore[no-untyped-call]
        if not isinstance(hook, ExchangeHook):
            raise AirflowFailException(f"Connection {self.conn_id!r} did not yield an exchange hook")
        return hook

    # -- Airflow entry points ------------------------------------------------------------

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_batchmod.operators.asset_events import annotate_outlet_events
        from airflow_batchmod.operators.edit_input import read_edits
        from airflow_batchmod.operators.metrics import emit_run_metrics
        from airflow_batchmod.operators.run_outcome import record_outcome
        from airflow_batchmod.operators.steering import min_change_rule, skip_when_nothing_changed
        from airflow_batchmod.run.planning import planned_records
        from airflow_batchmod.run.tolerance import apply_min_change

        started = time.monotonic()
        raw_edits = read_edits(self.edits)
        min_change = min_change_rule(self.min_change)
        client = self._build_client()
        try:
            preparation = apply_min_change(self._prepare(client, raw_edits), min_change)
            planned = planned_records(preparation, self._scrub)
            self._apply_invalid_policy(context, client, preparation, planned, len(raw_edits), started)
            records = self._run_edits(context, client, preparation, planned, raw_edits) + planned
        finally:
            client.close()
        report = self._report(context, client, records, started)
        annotate_outlet_events(self.outlets, context.get("outlet_events"), report)
        emit_run_metrics(report, self._run.halt if self._run else None)
        record_outcome(self, client, report)
        self._decide_failure(context, report, records)
        if self.skip_when_unchanged:
            skip_when_nothing_changed(report, lambda: self._push(context, report))
        return report

    def on_kill(self) -> None:
        run = self._run
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

    # -- the steps of execute ------------------------------------------------------------

    def _build_client(self) -> ExchangeClient:
        from airflow_batchmod.run.redaction import Scrubber

        try:
            client = self.hook.get_client(
                request_timeout=self.request_timeout,
                max_connections=self.max_in_flight + 2,
                round_to_rules=self.round_to_rules,
            )
        except (ValueError, TypeError) as exc:
            raise AirflowFailException(f"Connection {self.conn_id!r} is not usable: {exc}") from None
        self._scrub = Scrubber(client.secrets())
        return client

    def _prepare(self, client: ExchangeClient, raw_edits: list[Any]) -> Preparation:
        from airflow_batchmod.exchanges.base import ExchangeError, FatalRequestError

        try:
            return client.prepare(raw_edits)
        except ExchangeError as exc:
            # The contract allows only MetadataError here; any exchange error means the same:
            # nothing could be planned, so nothing was sent.
            if isinstance(exc, FatalRequestError):  # refused for good (credentials): no retry helps
                raise AirflowFailException(
                    f"{client.exchange} refused to show the book; nothing was sent: {self._scrub(str(exc))}"
                ) from None
            raise AirflowException(
                f"Could not read {client.exchange} metadata or book; nothing was sent: {self._scrub(str(exc))}"
            ) from None

    def _apply_invalid_policy(
        self,
        context: Context,
        client: ExchangeClient,
        preparation: Preparation,
        planned: list[EditRecord],
        edit_count: int,
        started: float,
    ) -> None:
        """Under ``on_invalid="fail"``, any invalid edit fails the task before anything is sent."""
        from airflow_batchmod.run.planning import not_sent_records
        from airflow_batchmod.run.report import log_line

        if not preparation.problems or self.on_invalid == "skip":
            for record in planned:
                self.log.info("%s", log_line(record))
            return
        not_sent = not_sent_records(preparation, "another edit is invalid")
        self._push(context, self._report(context, client, planned + not_sent, started))
        details = "\n".join(f"  - {self._scrub(p.describe())}" for p in preparation.problems[:50])
        more = len(preparation.problems) - 50
        raise AirflowFailException(
            f"{len(preparation.problems)} of {edit_count} edits are invalid; nothing was sent:\n"
            f"{details}" + (f"\n  ... and {more} more (see the report)" if more > 0 else "")
        )

    def _run_edits(
        self,
        context: Context,
        client: ExchangeClient,
        preparation: Preparation,
        planned: list[EditRecord],
        raw_edits: list[Any],
    ) -> list[EditRecord]:
        """Send (or, in a dry run, only list) the planned edits; ``planned`` yields to the journal."""
        from airflow_batchmod.run.confirmation import confirm_run
        from airflow_batchmod.run.engine import BatchRun, RunSettings
        from airflow_batchmod.run.journal import CheckpointUnreadable
        from airflow_batchmod.run.planning import dry_run_records, prefer_journal
        from airflow_batchmod.run.redaction import RedactingLog
        from airflow_batchmod.run.report import log_line

        if self.plan_only:
            would = dry_run_records(preparation, self._scrub)
            for record in would:
                self.log.info("%s", log_line(record))
            return would
        log = RedactingLog(self.log, self._scrub)
        self._run = BatchRun(
            client,
            RunSettings(
                chunk_size=min(self.chunk_size, client.max_batch_size),
                max_in_flight=self.max_in_flight,
                max_attempts=self.max_attempts,
            ),
            journal=self._journal(context, raw_edits),
            log=log,
            on_settle=lambda record: log.info("%s", log_line(record)),
        )
        self.log.info(
            "Applying %d edits on %s in requests of up to %d (%d settled by the plan)",
            len(preparation.edits),
            client.exchange,
            self._run.settings.chunk_size,
            len(preparation.problems) + len(preparation.skipped),
        )
        try:
            settled = self._run.run(preparation.edits)
        except CheckpointUnreadable as exc:
            raise AirflowFailException(str(exc)) from None
        if self.confirm:
            for record in confirm_run(self._run, preparation.edits, timeout=self.confirm_timeout, log=log):
                log.info("%s", log_line(record))
        prefer_journal(planned, self._run.recovered)
        return self._scrub.records(list(settled.values()))

    def _journal(self, context: Context, raw_edits: list[Any]) -> Journal | None:
        from airflow_batchmod.run.journal import CheckpointWriteError, Journal, fingerprint

        store = context.get("task_state_store")
        if store is None:
            self.log.warning(
                "No task_state_store (Airflow 3.3 or later): progress is not checkpointed, so a retry "
                "after a crash cannot tell which edits were already applied"
            )
            return None
        journal = Journal(store, fingerprint(self.conn_id, raw_edits))
        if self.checkpoint == "restart":
            try:
                journal.restart()
            except CheckpointWriteError as exc:
                raise AirflowException(f"checkpoint='restart': {exc}; nothing was sent") from None
            self.log.warning("checkpoint='restart': earlier tries' progress is ignored; every edit is sent")
        return journal

    def _report(
        self, context: Context, client: ExchangeClient, records: list[EditRecord], started: float
    ) -> dict[str, Any]:
        from airflow_batchmod.operators.report_storage import store_full_report
        from airflow_batchmod.run.report import (
            build_report,
            shorten_for_xcom,
            summary_table,
        )

        run = self._run
        report = build_report(
            records,
            exchange=client.exchange,
            conn_id=self.conn_id,
            requests=run.stats.requests if run else 0,
            duration_seconds=time.monotonic() - started,
            reconciliations=run.stats.reconciliations if run else 0,
            throttled_requests=run.stats.throttled if run else 0,
            server_errors=run.stats.server_errors if run else 0,
            stop_reason=self._scrub(run.halt.reason) if run and run.halt else None,
            dry_run=self.plan_only,
        )
        self.log.info("Summary for %s on %s:\n%s", self.task_id, client.exchange, summary_table(report))
        if len(report["edits"]) <= self.inline_report_limit:
            return report
        location = None
        if self.report_path:
            ti = context["ti"]
            location = store_full_report(
                report,
                self.report_path,
                dag_id=ti.dag_id,
                run_id=ti.run_id,
                task_id=ti.task_id,
                map_index=getattr(ti, "map_index", -1),
            )
            self.log.info("Full report with %d entries written to %s", len(report["edits"]), location)
        return shorten_for_xcom(report, limit=self.inline_report_limit, location=location)

    def _decide_failure(self, context: Context, report: dict[str, Any], records: list[EditRecord]) -> None:
        """Push the report, then fail when the outcome calls for it."""
        from airflow_batchmod.run.records import EditStatus
        from airflow_batchmod.run.report import failing

        if self.plan_only:
            return
        halt = self._run.halt if self._run else None
        bad = failing(records, self.fail_on)
        if not bad and halt is None:
            return
        self._push(context, report)
        counts = ", ".join(
            f"{k}={v}"
            for k, v in report["totals"].items()
            if v and k not in ("edits", "modified", "unchanged")
        )
        message = f"{len(bad)} of {len(records)} edits did not go through ({counts}); see the report"
        if halt is not None:
            message = f"Sending stopped: {report['stop_reason']}. {message}"
            if not halt.retryable:
                raise AirflowFailException(message)
        # Only unknown or transient failures can be helped by a task retry; the checkpoint
        # makes that retry safe. Rejections would just be rejected again.
        retryable = halt is not None or any(
            r.status in (EditStatus.FAILED, EditStatus.UNKNOWN, EditStatus.NOT_SENT) for r in bad
        )
        raise AirflowException(message) if retryable else AirflowFailException(message)

    # -- helpers -------------------------------------------------------------------------

    def _push(self, context: Context, report: dict[str, Any]) -> None:
        """Push the report before failing, so downstream tasks and people can see it."""
        if self.do_xcom_push:
            context["ti"].xcom_push(key="return_value", value=report)
