"""Small helpers shared by the tests and the benchmarks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class FakeTaskInstance:
    """Just what the operator touches on ``context["ti"]``, for running ``execute()`` directly."""

    dag_id: str = "test_dag"
    run_id: str = "manual__test"
    task_id: str = "apply_edits"
    map_index: int = -1
    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = json.loads(json.dumps(value))  # XCom must be JSON-serialisable


def wait_for(condition: Callable[[], T], what: str, timeout: float = 60.0) -> T:
    """Poll until ``condition`` returns something truthy (the deadline only stops a hung test)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


class RecordingLimiter:
    """Stands in for a client's ``SlidingWindowLimiter``: admits at once and records each weight."""

    def __init__(self) -> None:
        self.weights: list[int] = []

    def acquire(self, weight: int = 1) -> float:
        self.weights.append(weight)
        return 0.0
