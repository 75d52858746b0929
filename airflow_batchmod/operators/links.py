"""The task page's extra links: the account on the venue's public explorer, and the stored report.

Airflow 3 asks each link for its URL on the worker when the task ends (``get_link``) and keeps the
answer in XCom under the link's ``xcom_key``; the UI reads it from there. So a run records what
the links need on the operator (:func:`record_links`), and ``get_link`` reads it back. A link
with nothing to show (no public page for the account, no report written) gives ``""``, which the
UI shows as unavailable.

This module is imported wherever the operator is (DAG parsing), so it imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey

    from airflow_batchmod.exchanges.base import AccountRef

ACCOUNT_KEY = "batchmod_account"
REPORT_KEY = "batchmod_full_report"


class _RecordedLink(BaseOperatorLink):
    """A link whose URL the run recorded on the operator under :attr:`xcom_key`."""

    key: str = ""

    @property
    def xcom_key(self) -> str:
        return self.key

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow_batchmod.operators.run_outcome import outcome_of

        outcome = outcome_of(operator)
        if outcome is None:
            return ""
        return link_values(outcome.account, outcome.report).get(self.key, "")


class VenueAccountLink(_RecordedLink):
    """The account's page on the venue's public web app or explorer, as the client names it (empty
    for a venue that publishes no per-account page)."""

    name = "Account on the venue"
    key = ACCOUNT_KEY


class StoredReportLink(_RecordedLink):
    """The full report, when ``report_path`` stored one (reports longer than XCom keeps)."""

    name = "Full report"
    key = REPORT_KEY


def link_values(account: AccountRef, report: Mapping[str, Any]) -> dict[str, str]:
    """The URL of each link for a run on ``account`` that produced ``report``."""
    return {ACCOUNT_KEY: account.web_url or "", REPORT_KEY: str(report.get("full_report") or "")}
