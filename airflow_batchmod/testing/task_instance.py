"""A stand-in for ``context["ti"]``, to run ``BatchModifyOrdersOperator.execute()`` without a scheduler.

:func:`airflow_batchmod.testing.operator_run.run_operator` hands one to the operator and
returns it with the XComs the task pushed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeTaskInstance:
    """Just what the operator touches on ``context["ti"]``."""

    dag_id: str = "test_dag"
    run_id: str = "manual__test"
    task_id: str = "apply_edits"
    map_index: int = -1
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        # A JSON round trip, because a real XCom keeps only what serialises to JSON.
        self.xcoms[key] = json.loads(json.dumps(value))
