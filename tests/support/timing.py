"""Time in tests: a clock the test moves by hand, and a bounded wait for something to happen."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class FakeClock:
    """A ``clock()`` that stands still until ``sleep`` (or the test) moves it: exact and instant."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        #: Every wait asked of ``sleep``, in order.
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    @property
    def ms(self) -> int:
        return round(self.now * 1000)


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
