"""Run ``BatchModifyOrdersOperator.execute()`` once, as one task try would, and keep what it left.

The one harness for tests and benchmarks that drive the operator without a scheduler: it
builds the operator (or takes one already built), hands it a :class:`FakeTaskInstance` and a
task state store, runs ``execute``, and catches the failure, so the caller reads the report the
task returned or pushed before failing, the exception, the XComs and the store, all in one
:class:`OperatorRun`. Connections come from the environment (see
:func:`airflow_batchmod.testing.dags.sandbox_connections`), or a ``hook`` stands in for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from airflow_batchmod.run.journal import KeyValueStore, MemoryStore
from airflow_batchmod.testing.task_instance import FakeTaskInstance

if TYPE_CHECKING:
    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

#: ``store="memory"`` (the default): a fresh :class:`MemoryStore`; ``None``: no task state store.
StoreChoice = KeyValueStore | Literal["memory"] | None


@dataclass
class OperatorRun:
    """What one ``execute()`` left behind."""

    #: The report ``execute`` returned, or the one it pushed before failing (None if it pushed none).
    report: dict[str, Any] | None
    #: What ``execute`` raised, if it raised.
    error: Exception | None
    #: The task instance, with every XCom the task pushed (``ti.xcoms``).
    ti: FakeTaskInstance
    #: The task state store the run checkpointed into (None: it ran without one).
    store: KeyValueStore | None

    @property
    def xcoms(self) -> dict[str, Any]:
        """Every XCom the task pushed, by key."""
        return self.ti.xcoms

    @property
    def error_text(self) -> str | None:
        """The exception as ``"Type: message"``, or None when ``execute`` returned."""
        return None if self.error is None else f"{type(self.error).__name__}: {self.error}"

    def statuses(self) -> list[str]:
        """Each edit's status, in input order."""
        assert self.report is not None, f"no report ({self.error_text})"
        return [entry["status"] for entry in self.report["edits"]]


def run_operator(
    conn_id: str,
    edits: Any,
    *,
    store: StoreChoice = "memory",
    ti: FakeTaskInstance | None = None,
    hook: Any = None,
    context: dict[str, Any] | None = None,
    **operator_kwargs: Any,
) -> OperatorRun:
    """Build a ``BatchModifyOrdersOperator`` and run it once (see :func:`execute_operator`).

    :param conn_id: The connection the operator uses.
    :param edits: The operator's ``edits``.
    :param store: The task state store: ``"memory"`` for a fresh one, ``None`` for none, or a
        store an earlier run used, to resume from it.
    :param ti: The task instance (default: a fresh :class:`FakeTaskInstance`).
    :param hook: Stands in for the connection's hook (anything with ``get_client(**options)``).
    :param context: More entries for the task context (such as ``outlet_events``).
    :param operator_kwargs: Any other operator argument.
    """
    from airflow_batchmod.operators.batch_modify import BatchModifyOrdersOperator

    ti = ti or FakeTaskInstance()
    operator = BatchModifyOrdersOperator(task_id=ti.task_id, conn_id=conn_id, edits=edits, **operator_kwargs)
    if hook is not None:
        operator.__dict__["hook"] = hook  # what the cached ``hook`` property would hold
    return execute_operator(operator, store=store, ti=ti, context=context)


def execute_operator(
    operator: BatchModifyOrdersOperator,
    *,
    store: StoreChoice = "memory",
    ti: FakeTaskInstance | None = None,
    context: dict[str, Any] | None = None,
) -> OperatorRun:
    """Run an operator built by the caller once (to render its templates first, or to kill it
    from another thread); the arguments are :func:`run_operator`'s."""
    ti = ti or FakeTaskInstance()
    used = MemoryStore() if isinstance(store, str) else store
    task_context: Any = {**(context or {}), "ti": ti}
    if used is not None:
        task_context["task_state_store"] = used
    try:
        report = operator.execute(task_context)
    except Exception as exc:
        return OperatorRun(ti.xcoms.get("return_value"), exc, ti, used)
    return OperatorRun(report, None, ti, used)
