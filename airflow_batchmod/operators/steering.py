"""``min_change`` and ``skip_when_unchanged`` as the operator applies them: the venue-neutral rule
(``run/tolerance.py``) with Airflow's ways of failing and skipping around it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

if TYPE_CHECKING:
    from airflow_batchmod.run.tolerance import MinChange


def checked_min_change(value: Any) -> Any:
    """``value`` itself, after refusing a bad rule that is already known when the DAG file is
    parsed (a dict); a templated string is checked when the task runs."""
    if not isinstance(value, str):
        from airflow_batchmod.run.tolerance import parse_min_change

        parse_min_change(value)
    return value


def min_change_rule(value: Any) -> MinChange | None:
    """The rendered ``min_change`` as a rule; a bad one fails the task before anything is sent."""
    from airflow_batchmod.run.tolerance import InvalidMinChange, parse_min_change

    try:
        return parse_min_change(value)
    except InvalidMinChange as exc:
        raise AirflowFailException(f"{exc}; nothing was sent") from None


def skip_when_nothing_changed(report: Mapping[str, Any], push: Callable[[], None]) -> None:
    """End the task as skipped when every edit is ``unchanged``, after ``push`` kept the report."""
    from airflow_batchmod.run.tolerance import nothing_changed

    if nothing_changed(report):
        push()
        raise AirflowSkipException(f"All {report['totals']['edits']} edits are unchanged: nothing to do")
