"""What a finished run leaves on its operator for what Airflow asks after ``execute``: the extra
links' values at the end of the task, and the OpenLineage facets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_batchmod.exchanges.base import AccountRef, account_of

OUTCOME_ATTRIBUTE = "_batchmod_outcome"


@dataclass(frozen=True)
class RunOutcome:
    """The account a run acted for and the report it pushed."""

    account: AccountRef
    conn_id: str
    report: Mapping[str, Any]


def record_outcome(operator: object, client: object, report: Mapping[str, Any]) -> None:
    """Keep the run's outcome on ``operator`` (Airflow asks for links and lineage afterwards)."""
    setattr(operator, OUTCOME_ATTRIBUTE, RunOutcome(account_of(client), str(report["conn_id"]), report))


def outcome_of(operator: object) -> RunOutcome | None:
    """The outcome a run of ``operator`` recorded (None: it stopped before it had a report)."""
    outcome = getattr(operator, OUTCOME_ATTRIBUTE, None)
    return outcome if isinstance(outcome, RunOutcome) else None
