"""Whether a finished run fails its task, and whether a task retry could help."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowException, AirflowFailException

if TYPE_CHECKING:
    from airflow_batchmod.run.records import EditRecord, Halt


def task_failure(
    report: dict[str, Any], records: list[EditRecord], halt: Halt | None, fail_on: str
) -> AirflowException | None:
    """The exception that ends the task, or None when the outcome passes ``fail_on``.

    Only unknown or transient failures can be helped by a task retry (the checkpoint makes that
    retry safe), so those raise :class:`AirflowException`; rejections would just be rejected
    again, and a halt no retry can cure, raise :class:`AirflowFailException`.

    :param report: The built report (its totals and stop reason go in the message).
    :param records: Every edit's final record.
    :param halt: Why sending stopped early, if it did.
    :param fail_on: The operator's ``fail_on`` choice.
    """
    from airflow_batchmod.run.records import EditStatus
    from airflow_batchmod.run.report import failing

    bad = failing(records, fail_on)
    if not bad and halt is None:
        return None
    counts = ", ".join(
        f"{k}={v}" for k, v in report["totals"].items() if v and k not in ("edits", "modified", "unchanged")
    )
    message = f"{len(bad)} of {len(records)} edits did not go through ({counts}); see the report"
    if halt is not None:
        message = f"Sending stopped: {report['stop_reason']}. {message}"
        if not halt.retryable:
            return AirflowFailException(message)
    retryable = halt is not None or any(
        r.status in (EditStatus.FAILED, EditStatus.UNKNOWN, EditStatus.NOT_SENT) for r in bad
    )
    return AirflowException(message) if retryable else AirflowFailException(message)
