"""The operator's checkpoint: the journal in the task's ``task_state_store``, and what a try makes of it.

Airflow 3.3 keeps ``task_state_store`` across the tries of a task instance and when it is cleared,
so a later try can tell what earlier ones planned, sent and learned (see
:mod:`airflow_batchmod.run.journal` and :mod:`airflow_batchmod.run.resume`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_batchmod.run.journal import CheckpointUnreadable, CheckpointWriteError, Journal, fingerprint
from airflow_batchmod.run.resume import Resumption, begin

if TYPE_CHECKING:
    from airflow_batchmod.exchanges.base import Preparation
    from airflow_batchmod.operators.execution import Execution
    from airflow_batchmod.run.records import EditRecord


def open_journal(execution: Execution, conn_id: str, *, restart: bool) -> Journal | None:
    """The journal of this input list in the task's state store; None (with a WARNING) without one.

    ``restart`` starts a new, empty journal: earlier tries' progress is ignored from then on.
    """
    store = execution.context.get("task_state_store")
    if store is None:
        execution.log.warning(
            "No task_state_store (Airflow 3.3 or later): progress is not checkpointed, so a retry "
            "after a crash cannot tell which edits were already applied"
        )
        return None
    journal = Journal(store, fingerprint(conn_id, execution.raw_edits))
    if restart:
        try:
            journal.restart()
        except CheckpointWriteError as exc:
            raise AirflowException(f"checkpoint='restart': {exc}; nothing was sent") from None
        execution.log.warning("checkpoint='restart': earlier tries' progress is ignored; every edit is sent")
    return journal


def resume_from(
    journal: Journal | None, execution: Execution, preparation: Preparation, planned: list[EditRecord]
) -> Resumption:
    """Earlier tries' progress judged against this plan; nothing is sent when it cannot be read
    (the task fails for good) or the plan cannot be recorded (a retry may find the store writable)."""
    try:
        return begin(journal, preparation, planned, execution.log)
    except CheckpointUnreadable as exc:
        raise AirflowFailException(str(exc)) from None
    except CheckpointWriteError as exc:
        raise AirflowException(f"{exc}; nothing was sent") from None
