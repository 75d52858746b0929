"""Rebalance a ladder only after a person approved the plan.

``plan`` runs the operator with ``dry_run=True``: it reads the live book and reports what an
apply would do (``would_modify``, ``unchanged``, ``not_open``, ``invalid``) and sends nothing.
``describe_plan`` turns that report into the approval's body, and ``approve`` (Airflow's
Human-in-the-loop ``ApprovalOperator``) waits in the Required Actions page, or for an answer
through the REST API. On approval, ``apply`` runs the same edits; it plans again against the
book of that moment, so an order that filled while the plan waited is ``not_open``, not
modified. On rejection ``apply`` is skipped and nothing is sent.

Four eyes: only the users in ``BATCHMOD_APPROVERS`` (comma-separated Airflow user ids, read when
the file is parsed; by default ``risk_officer``) may answer, never the person who triggered the
run by default. A notifier tells them a plan waits; the body links to the plan task's Rebalance
tab, where the planned book is drawn.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

import pendulum
from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import DAG, BaseHook, BaseNotifier, Param, get_current_context, task
from airflow.sdk.configuration import conf
from airflow.sdk.execution_time.hitl import HITLUser
from ladder_plans import DEFAULT_CONN_ID, live_ladder_edits

from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator
from airflow_batchmod.operators.report_reading import where_entries_are
from airflow_batchmod.plugins.rebalance_tab import tab_url

#: Rows in the approval's body; the full plan is in the plan task's report and log.
BODY_ROWS = 50


#: Who may approve: Airflow user ids (four eyes: not the people who trigger rebalances).
APPROVERS = [
    HITLUser(id=user.strip(), name=user.strip())
    for user in os.environ.get("BATCHMOD_APPROVERS", "risk_officer").split(",")
    if user.strip()
]


class DeskNotifier(BaseNotifier):
    """Tells the approvers a plan waits. Here it writes to the task log; a desk would post the same
    text to its chat or pager (Slack, Teams and others have notifier providers)."""

    template_fields = ("message",)

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def notify(self, context: Any) -> None:
        logging.getLogger("batchmod.approval").info("To %s: %s", [u["id"] for u in APPROVERS], self.message)


def quote(side: dict[str, str] | None) -> str:
    return f"{side['price']} x {side['size']}" if side else "?"


def planned_change(entry: dict[str, Any]) -> str:
    """``59900.0 x 0.010 -> 60189.8 x 0.015``: the book's values, then the edit's (normalised)."""
    if entry.get("wanted") is None:
        return str(entry["label"])  # what the edit asks, in the exchange's words
    return f"{quote(entry['before'])} -> {quote(entry['wanted'])}"


def plan_table(report: dict[str, Any]) -> str:
    """The planned changes as a Markdown table: order, book now -> wanted, status."""
    totals = ", ".join(f"{n} {status}" for status, n in report["totals"].items() if n and status != "edits")
    lines = [
        f"Plan for `{report['conn_id']}` on {report['exchange']}: {totals or 'no edits'}.",
        "",
        "| order | change | status |",
        "|---|---|---|",
    ]
    entries = report["edits"]
    for entry in entries[:BODY_ROWS]:
        status = f"{entry['status']}: {entry['message']}" if entry.get("message") else entry["status"]
        lines.append(f"| {entry['order']} | {planned_change(entry)} | {status} |")
    if len(entries) > BODY_ROWS or report.get("edits_truncated"):
        lines += ["", f"Only the first {BODY_ROWS} rows are shown; {where_entries_are(report)}."]
    return "\n".join(lines)


with DAG(
    dag_id="batchmod_rebalance_with_approval",
    description="Plan a ladder rebalance, have a person approve it, then apply it",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "conn_id": Param(DEFAULT_CONN_ID, type="string", description="A bitget or hyperliquid connection"),
        "reference_price": Param(
            None, type=["null", "string"], description="Centre on this price instead of the live mid"
        ),
    },
    tags=["batchmod", "example", "approval"],
    doc_md=__doc__,
):

    @task
    def compute_edits(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = params or {}
        conn_type = BaseHook.get_connection(params["conn_id"]).conn_type
        return live_ladder_edits(conn_type, params["conn_id"], params.get("reference_price"))

    edits = compute_edits()

    plan = BatchModifyOrdersOperator(
        task_id="plan", conn_id="{{ params.conn_id }}", edits=edits, dry_run=True
    )

    @task
    def describe_plan(report: dict[str, Any]) -> str:
        ti = get_current_context()["ti"]
        base_url = conf.get("api", "base_url", fallback="http://localhost:8080")
        link = tab_url(base_url, ti.dag_id, ti.run_id, "plan")
        return f"[The planned book, drawn: the plan's Rebalance tab]({link})\n\n{plan_table(report)}"

    approve = ApprovalOperator(
        task_id="approve",
        subject="Rebalance {{ params.conn_id }}: apply the planned edits?",
        body=describe_plan(plan.output),  # type: ignore[arg-type]  # an XComArg becomes the text at run time
        # Nobody answered in time: reject, so nothing unreviewed is ever applied.
        defaults="Reject",
        response_timeout=timedelta(hours=4),
        assigned_users=APPROVERS,
        notifiers=[
            DeskNotifier("Rebalance of {{ params.conn_id }} waits for your approval (run {{ run_id }})")
        ],
    )

    apply = BatchModifyOrdersOperator(task_id="apply", conn_id="{{ params.conn_id }}", edits=edits, retries=2)

    approve >> apply
